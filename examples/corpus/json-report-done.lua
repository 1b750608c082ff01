-- Write the run's summary and latency percentiles as a JSON document for a dashboard.
-- Flags: --allow-write .
-- Writes: summary.json "percentiles"
-- Without: writing "summary.json" needs --allow-write
local cjson = require "cjson"

done = function(summary, latency, requests)
   local report = {
      requests = summary.requests,
      bytes = summary.bytes,
      duration_us = summary.duration,
      errors = summary.errors,
      latency = { min = latency.min, max = latency.max, mean = latency.mean, stdev = latency.stdev },
      percentiles = {},
   }
   for _, p in ipairs({ 50, 90, 95, 99, 99.9 }) do
      report.percentiles[tostring(p)] = latency:percentile(p)
   end
   local out = io.open("summary.json", "w")
   out:write(cjson.encode(report))
   out:close()
end
