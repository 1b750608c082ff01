-- Write the whole latency distribution (value, count) to latency.csv for plotting.
-- Flags: --allow-write .
-- Writes: latency.csv latency_us,count
-- Without: writing "latency.csv" needs --allow-write
function done(summary, latency, requests)
   local file = io.open("latency.csv", "w+")
   file:write("latency_us,count\n")
   for i = 1, #latency do
      local value, count = latency(i)
      file:write(value, ",", count, "\n")
   end
   file:seek("set", 0)
   local header = file:read("*l")
   file:close()
   print("wrote " .. #latency .. " buckets under " .. header)
end
