-- Cycle through the paths listed in data/urls.txt, one per line.
-- Flags: --allow-read data
-- Without: reading "data/urls.txt" needs --allow-read
local paths = {}
for line in io.lines("data/urls.txt") do
   if line ~= "" then
      paths[#paths + 1] = line
   end
end

local counter = 1

request = function()
   local path = paths[counter]
   counter = counter + 1
   if counter > #paths then counter = 1 end
   return wrk.format("GET", path)
end
