-- A gRPC-web style body: a 5-byte frame header (flag, 4-byte length) written with LuaJIT's
-- \x escapes, then a small protobuf message (field 1, a string).
-- Flags: (none)
local message = "\x0a\x05hello"
local frame = "\x00" .. string.char(0, 0, 0, #message) .. message
assert(#frame == 12 and frame:byte(6) == 10, "the frame is not the bytes written")

wrk.method = "POST"
wrk.path = "/echo"
wrk.headers["Content-Type"] = "application/grpc-web+proto"
wrk.headers["X-Grpc-Web"] = "1"
wrk.body = frame

local bad = 0
function response(status, headers, body)
   if not body:find("\x0a\x05hello", 1, true) then bad = bad + 1 end
end

function done(summary, latency, requests)
   io.write(string.format("frame of %d bytes, %d answers without it\n", #frame, bad))
end
