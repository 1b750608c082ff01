-- Log every user of data/users.csv in with a form POST, round robin, skipping the header.
-- Flags: --allow-read data
-- Without: reading "data/users.csv" needs --allow-read
local urlencode = require "lib.urlencode"

local users = {}
local first = true
for line in io.lines("data/users.csv") do
   if first then
      first = false
   else
      local name, password = line:match("^([^,]+),([^,]+)")
      users[#users + 1] = { name = name, password = password }
   end
end

local n = 0
function request()
   n = n % #users + 1
   local u = users[n]
   local body = "username=" .. urlencode(u.name) .. "&password=" .. urlencode(u.password)
   return wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
