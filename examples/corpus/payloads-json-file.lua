-- Replay the requests described in data/payloads.json (path and JSON body), in order.
-- Flags: --allow-read data
-- Without: reading "data/payloads.json" needs --allow-read
local cjson = require "cjson"

local file = io.open("data/payloads.json", "rb")
local payloads = cjson.decode(file:read("*a"))
file:close()

local requests = {}
for i, p in ipairs(payloads) do
   requests[i] = wrk.format("POST", p.path, { ["Content-Type"] = "application/json" }, cjson.encode(p.body))
end

local i = 0
request = function()
   i = i % #requests + 1
   return requests[i]
end
