-- Decode every /api/items answer with dkjson and count the items seen, per thread.
-- Flags: (none)
local json = require("dkjson")

local items, bad = 0, 0

function init(args)
   wrk.path = "/api/items"
end

function response(status, headers, body)
   local obj, pos, err = json.decode(body, 1, nil)
   if err then
      bad = bad + 1
   else
      items = items + #obj.items
   end
end

function done(summary, latency, requests)
   print("requests: " .. summary.requests)
end
