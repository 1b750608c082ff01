-- Latin-1, not UTF-8: café
wrk.headers["X-Name"] = "café"
