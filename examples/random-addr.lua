-- Spread the threads over every address the host resolves to: setup()
-- looks the host up once, keeps the addresses that accept a connection,
-- and gives each thread one of them at random.

local reachable

function setup(thread)
   if not reachable then
      reachable = {}
      for _, addr in ipairs(wrk.lookup(wrk.host, wrk.port or wrk.scheme)) do
         if wrk.connect(addr) then
            reachable[#reachable + 1] = addr
         end
      end
      assert(#reachable > 0, "no address of " .. wrk.host .. " accepts connections")
   end
   thread.addr = reachable[math.random(#reachable)]
end

function init(args)
   print("thread connects to " .. tostring(wrk.thread.addr))
end
