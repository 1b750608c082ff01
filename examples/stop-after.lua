-- Stop each thread after 100 responses, however long the run was meant to be.

local limit = 100
local seen = 0

function response(status, headers, body)
   seen = seen + 1
   if seen == limit then
      wrk.thread:stop()
   end
end
