-- POST a form: the method, body and content type are set once in the wrk
-- table, so the request is built once and reused (no request() needed).

wrk.method = "POST"
wrk.body   = "name=volley&kind=load+test"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
