-- require "socket" without keeping the result, then use the global it sets, as the
-- DeathStarBench wrk2 scripts do: seed from the clock and compose a form POST.
-- Flags: (none)
require "socket"
math.randomseed(socket.gettime() * 1000)
math.random(); math.random(); math.random()

local charset = {}
for c in ("abcdefghijklmnopqrstuvwxyz0123456789"):gmatch(".") do charset[#charset + 1] = c end

local function randomString(length)
   if length > 0 then
      return randomString(length - 1) .. charset[math.random(1, #charset)]
   end
   return ""
end

request = function()
   local user = math.random(1, 962)
   local body = "username=user_" .. user .. "&user_id=" .. user .. "&text=" .. randomString(64)
   return wrk.format("POST", "/echo", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
