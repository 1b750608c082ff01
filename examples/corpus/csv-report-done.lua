-- Append one CSV row of results to report.csv at the end of the run (header when new).
-- Flags: --allow-write .
-- Writes: report.csv p99_ms
-- Without: writing "report.csv" needs --allow-write
function done(summary, latency, requests)
   local f = assert(io.open("report.csv", "a"))
   if f:seek("end") == 0 then
      f:write("timestamp,requests,duration_s,rps,p50_ms,p90_ms,p99_ms,errors\n")
   end
   local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
   f:write(string.format("%s,%d,%.2f,%.1f,%.3f,%.3f,%.3f,%d\n",
      os.date("!%Y-%m-%dT%H:%M:%SZ"), summary.requests, summary.duration / 1e6,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, errors))
   f:close()
end
