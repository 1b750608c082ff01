-- Append a CSV line per run with file.write(file, ...) and file.close() (a dot, not a colon):
-- file.close() then closes the default output instead, and the file is written at exit.
-- Flags: --allow-write . --allow-env BENCH_NAME
-- Env: BENCH_NAME=dot-close
-- Writes: bench.csv dot-close,
-- Without: writing "bench.csv" needs --allow-write
local name = os.getenv("BENCH_NAME") or "unnamed"

done = function(summary, latency, requests)
   file = assert(io.open("bench.csv", "a"))
   file.write(file, string.format("%s,%d,%.2f,%.2f,%d\n", name, summary.requests,
      latency:percentile(50) / 1000, latency.mean / 1000, summary.errors.status))
   file.close()
end
