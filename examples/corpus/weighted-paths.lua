-- Choose paths by weight; data/weights.txt holds "weight path" lines read with "*number".
-- Flags: --allow-read data
-- Without: reading "data/weights.txt" needs --allow-read
local entries, total = {}, 0
local f = io.open("data/weights.txt", "r")
while true do
   local weight = f:read("*number")
   if not weight then break end
   local path = f:read("*line"):match("^%s*(.-)%s*$")
   total = total + weight
   entries[#entries + 1] = { upto = total, path = path }
end
f:close()

request = function()
   local r = math.random() * total
   for _, e in ipairs(entries) do
      if r <= e.upto then
         return wrk.format("GET", e.path)
      end
   end
   return wrk.format("GET", entries[#entries].path)
end
