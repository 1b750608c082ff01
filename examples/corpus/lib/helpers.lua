-- Helpers shared by several corpus scripts (require "lib.helpers").
local M = {}

function M.header(headers, wanted)
   wanted = wanted:lower()
   for name, value in pairs(headers) do
      if name:lower() == wanted then return value end
   end
end

function M.split(s, sep)
   local out = {}
   for part in (s .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do
      out[#out + 1] = part
   end
   return out
end

function M.shuffle(t)
   for i = #t, 2, -1 do
      local j = math.random(i)
      t[i], t[j] = t[j], t[i]
   end
   return t
end

return M
