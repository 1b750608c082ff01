-- Seed the random generator from /dev/urandom, so that threads do not repeat each other.
-- Flags: (none)
local function seed()
   local f = io.open("/dev/urandom", "rb")
   if not f then return os.time() end
   local bytes = f:read(4)
   f:close()
   local n = 0
   for i = 1, #bytes do
      n = n * 256 + bytes:byte(i)
   end
   return n
end

math.randomseed(seed())

request = function()
   return wrk.format("GET", "/bytes/" .. math.random(1, 512))
end
