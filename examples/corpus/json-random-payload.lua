-- A different JSON body for every request, encoded with the json module (rxi's API).
-- Flags: (none)
local json = require "json"

local names = { "apple", "banana", "cherry", "durian", "elderberry" }

function request()
   local order = {
      id = math.random(1, 1000000),
      item = names[math.random(#names)],
      qty = math.random(1, 5),
      express = math.random() < 0.2,
   }
   return wrk.format("POST", "/api/items", { ["Content-Type"] = "application/json" }, json.encode(order))
end
