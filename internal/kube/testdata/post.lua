-- A POST with a JSON body: the request is built once and reused.
wrk.method = "POST"
wrk.body   = '{"item": 42, "note": "key: value # not a comment"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
	io.write(string.format("p99: %d us\n", latency:percentile(99)))
end
