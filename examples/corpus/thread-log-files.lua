-- One log file per thread (thread-1.log, thread-2.log, ...): status and size of each response.
-- Flags: --allow-write .
-- Writes: thread-1.log status
-- Without: writing "thread-1.log" needs --allow-write
local next_id = 1
function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

local log
function init(args)
   log = assert(io.open("thread-" .. id .. ".log", "w"))
   log:write("status,bytes\n")
end

function response(status, headers, body)
   log:write(status, ",", string.len(body), "\n")
   if status ~= 200 then
      log:flush()
   end
end
