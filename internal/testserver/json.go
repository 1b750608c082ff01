package testserver

// JSON routes, for scripts that log in and then call an API (examples/corpus): fixed bodies,
// so that a script's parsing can be checked.
const kindJSON kind = 100

var jsonBodies = map[string]string{
	"/login":     `{"token":"vt-5f2d9a61c0de","token_type":"Bearer","expires_in":3600}`,
	"/api/items": `{"items":[{"id":1,"name":"alpha","price":9.5},{"id":2,"name":"beta","price":12},{"id":3,"name":"gamma","price":0.25}],"next":null}`,
}

// jsonRoute returns the JSON response for path, or a 404.
func jsonRoute(path []byte) (kind, string) {
	if body, ok := jsonBodies[string(path)]; ok {
		return kindJSON, body
	}
	return kindNotFound, ""
}

// appendJSON appends a 200 response whose body is p.msg.
func (c *conn) appendJSON(p *response, conn int) {
	c.out = appendHeader(c.out, 200, "application/json", int64(len(p.msg)), conn)
	if !p.head {
		c.out = append(c.out, p.msg...)
	}
}
