-- At the end of the run, write latency percentiles (microseconds) as CSV.

function done(summary, latency, requests)
   io.write("percentile,latency_us\n")
   for _, p in ipairs({ 50, 75, 90, 99, 99.9, 99.99 }) do
      io.write(string.format("%g,%d\n", p, latency:percentile(p)))
   end
end
