-- Log in with a JSON POST, read the token from the JSON answer, then call the API with it.
-- Flags: (none)
local cjson = require "cjson"

local token = nil

request = function()
   if not token then
      return wrk.format("POST", "/login", { ["Content-Type"] = "application/json" },
                        cjson.encode({ username = "demo", password = "demo" }))
   end
   return wrk.format("GET", "/api/items", { ["Authorization"] = "Bearer " .. token })
end

response = function(status, headers, body)
   if not token and status == 200 then
      local ok, data = pcall(cjson.decode, body)
      if ok and type(data) == "table" and data.token then
         token = data.token
      end
   end
end

done = function(summary, latency, requests)
   io.write(string.format("login flow: %d requests, p99 %.2fms\n", summary.requests, latency:percentile(99) / 1000))
end
