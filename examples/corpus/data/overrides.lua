-- Optional overrides picked up by loadfile-optional.lua when present.
wrk.headers["X-Override"] = "yes"
return { path = "/hello" }
