-- Keep shared code in a module beside the script: require "lib.helpers" (lib/helpers.lua).
-- Flags: (none)
local helpers = require "lib.helpers"

local paths = helpers.shuffle(helpers.split("/,/hello,/api/items,/bytes/64", ","))
local i = 0
local types = {}

request = function()
   i = i % #paths + 1
   return wrk.format(nil, paths[i])
end

response = function(status, headers, body)
   local ct = helpers.header(headers, "content-type") or "none"
   types[ct] = (types[ct] or 0) + 1
end
