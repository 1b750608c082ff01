-- All threads append to one file; done() reads it back and checks every line is whole.
-- Flags: --allow-write .
-- Writes: shared.log ok
-- Without: writing "shared.log" needs --allow-write
local out

function init(args)
   out = io.open("shared.log", "a")
end

function response(status, headers, body)
   out:write("ok ", status, " ", #body, "\n")
end

function done(summary, latency, requests)
   local lines, broken = 0, 0
   for line in io.lines("shared.log") do
      lines = lines + 1
      if not line:match("^ok %d+ %d+$") then broken = broken + 1 end
   end
   print(string.format("shared.log: %d lines, %d broken", lines, broken))
   assert(broken == 0, "interleaved lines in shared.log")
end
