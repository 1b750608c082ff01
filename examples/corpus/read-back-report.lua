-- Append a line to history.txt in done(), then read the file back with a+ to print the trend.
-- Flags: --allow-write .
-- Writes: history.txt rps=
-- Without: writing "history.txt" needs --allow-write
function done(summary, latency, requests)
   local f = assert(io.open("history.txt", "a+"))
   f:write(string.format("rps=%.0f\n", summary.requests / (summary.duration / 1e6)))
   f:seek("set")
   local runs = 0
   for line in f:lines() do runs = runs + 1 end
   f:close()
   print("runs recorded: " .. runs)
end
