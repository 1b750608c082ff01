-- Each thread logs in with its first request, then sends the token and sums prices with dkjson.
-- Flags: (none)
local json = require "dkjson"

local authorized = false
local total = 0

function request()
   if not authorized then
      return wrk.format("POST", "/login", { ["Content-Type"] = "application/json" }, json.encode({ user = "u" .. math.random(100) }))
   end
   return wrk.format("GET", "/api/items")
end

function response(status, headers, body)
   local doc = json.decode(body)
   if type(doc) ~= "table" then return end
   if doc.token then
      -- Several connections may log in before the first answer arrives: keep the first token.
      if not authorized then
         wrk.headers["Authorization"] = doc.token_type .. " " .. doc.token
         authorized = true
      end
      return
   end
   for _, item in ipairs(doc.items or {}) do
      total = total + item.price
   end
end
