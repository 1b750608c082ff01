-- dump.lua: a wrk script whose done() writes the exact numbers behind wrk's
-- report, so that report_test can feed them to WriteText and compare the text
-- with what wrk printed. Usage (see TestRealWrk in real_wrk_test.go):
--   WRK_DUMP=out.numbers wrk -s dump.lua --latency ... > out.txt
local path = os.getenv("WRK_DUMP") or "wrk.numbers"

function done(summary, latency, requests)
  local f = assert(io.open(path, "w"))
  local e = summary.errors
  f:write(string.format("duration_us %d\nrequests %d\nbytes %d\n",
    summary.duration, summary.requests, summary.bytes))
  f:write(string.format("errors %d %d %d %d %d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
  for i = 1, #latency do
    local v, n = latency(i)
    f:write(string.format("latency %d %d\n", v, n))
  end
  for i = 1, #requests do
    local v, n = requests(i)
    f:write(string.format("rate %d %d\n", v, n))
  end
  f:close()
end
