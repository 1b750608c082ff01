-- Written for one deployment: wrk.host and wrk.port name the virtual host the server expects,
-- so Host is "shop.internal:8080" whatever address the URL gives (wrk builds Host from them).
-- Flags: (none)
wrk.host = "shop.internal"
wrk.port = 8080
wrk.method = "GET"
wrk.path = "/hello"

function init(args)
   -- wrk has built Host before init runs: check the deployment's name is the one sent
   assert(wrk.headers["Host"] == "shop.internal:8080", "Host is " .. tostring(wrk.headers["Host"]))
end

function done(summary, latency, requests)
   io.write(string.format("%d requests to shop.internal:8080\n", summary.requests))
end
