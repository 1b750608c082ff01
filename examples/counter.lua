-- Number every request: the thread's id (given by setup) and a per-thread
-- counter go into the path and into an X-Request header.

local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

local sent = 0

function request()
   sent = sent + 1
   wrk.headers["X-Request"] = id .. "-" .. sent
   return wrk.format(nil, "/thread/" .. id .. "/request/" .. sent)
end
