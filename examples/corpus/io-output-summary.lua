-- Redirect io.write to a file with io.output for a human-readable summary.
-- Flags: --allow-write .
-- Writes: summary.txt Latency
-- Without: writing "summary.txt" needs --allow-write
done = function(summary, latency, requests)
   io.output("summary.txt")
   io.write("Run summary\n")
   io.write("===========\n")
   io.write(string.format("Requests:  %d\n", summary.requests))
   io.write(string.format("Duration:  %.2fs\n", summary.duration / 1000000))
   io.write(string.format("Latency:   mean %.2fms, max %.2fms\n", latency.mean / 1000, latency.max / 1000))
   io.flush()
   io.close()
end
