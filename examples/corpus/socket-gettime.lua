-- Measure the time between responses with LuaSocket's clock, as many scripts do.
-- Flags: (none)
local socket = require("socket")

local last, gaps, count = nil, 0, 0

function response(status, headers, body)
   local now = socket.gettime()
   if last then
      gaps = gaps + (now - last)
      count = count + 1
   end
   last = now
end

function done(summary, latency, requests)
   print(string.format("main state clock: %.3f", socket.gettime()))
end
