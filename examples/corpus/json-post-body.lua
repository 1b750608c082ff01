-- POST one JSON document, built once with cjson.
-- Flags: (none)
local cjson = require("cjson")

wrk.method = "POST"
wrk.path = "/api/items"
wrk.headers["Content-Type"] = "application/json"
wrk.body = cjson.encode({
   name = "load-test",
   quantity = 1,
   tags = { "perf", "ci" },
   meta = { source = "wrk", nested = { ok = true } },
})
