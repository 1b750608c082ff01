-- Alternate a form POST, a JSON PUT and a DELETE, each built with wrk.format.
-- Flags: (none)
local n = 0

request = function()
   n = n + 1
   local kind = n % 3
   if kind == 0 then
      return wrk.format("POST", "/api/items", { ["Content-Type"] = "application/x-www-form-urlencoded" },
                        "name=item" .. n .. "&qty=" .. (n % 7))
   elseif kind == 1 then
      return wrk.format("PUT", "/api/items?id=" .. n, { ["Content-Type"] = "application/json" },
                        '{"id":' .. n .. ',"state":"updated"}')
   end
   return wrk.format("DELETE", "/api/items?id=" .. (n - 2))
end
