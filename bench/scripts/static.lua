-- A static request: method, body and headers set once; volley builds it once per thread.
wrk.method = "POST"
wrk.body = "hello=world"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
