-- Guard the parsing in response() with xpcall and debug.traceback, and report memory in done().
-- Flags: (none)
local cjson = require "cjson"
local failures = 0

local function parse(body)
   return cjson.decode(body).items[1].name
end

function response(status, headers, body)
   local ok, err = xpcall(function() return parse(body) end, debug.traceback)
   if not ok then failures = failures + 1 end
end

function done(summary, latency, requests)
   collectgarbage()
   print(string.format("script memory: %.0f KiB", collectgarbage("count")))
end
