-- Each thread stops after 200 responses: a fixed amount of work instead of a duration.
-- Flags: (none)
local limit, seen = 200, 0

function response(status, headers, body)
   seen = seen + 1
   if seen >= limit then
      wrk.thread:stop()
   end
end
