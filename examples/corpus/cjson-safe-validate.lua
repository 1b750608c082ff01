-- Count answers that are not JSON (/hello is plain text) with cjson.safe, which does not raise.
-- Flags: (none)
local cjson = require "cjson.safe"

local paths = { "/api/items", "/hello" }
local i, valid, invalid = 0, 0, 0

function request()
   i = i + 1
   return wrk.format(nil, paths[i % #paths + 1])
end

function response(status, headers, body)
   local value, err = cjson.decode(body)
   if value == nil then invalid = invalid + 1 else valid = valid + 1 end
end
