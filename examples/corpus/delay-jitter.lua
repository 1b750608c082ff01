-- Think time: wait 1-5 ms, uniformly, before each request.
-- Flags: (none)
math.randomseed(os.time())

function delay()
   return math.random(1, 5)
end
