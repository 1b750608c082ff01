-- Print a one-line summary that reads requests.total: wrk's stats userdata answers a field it
-- does not have with the field's name, so this prints "Requests: total" rather than failing.
-- Flags: (none)
local responses, errors = 0, 0

function response(status, headers, body)
   responses = responses + 1
   if status >= 400 then errors = errors + 1 end
end

function done(summary, latency, requests)
   io.write("Requests: " .. requests.total .. ", Errors: " .. errors)
   io.write(", Avg Latency: " .. string.format("%.2f", latency.mean / 1000) .. "ms\n")
end
