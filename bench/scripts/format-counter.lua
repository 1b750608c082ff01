-- A request built per call with wrk.format and a counter.
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/hello", {["X-Counter"] = tostring(n)})
end
