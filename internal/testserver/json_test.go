package testserver

import (
	"encoding/json"
	"testing"
)

func TestJSONRoutes(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	for path, check := range map[string]func(map[string]any) bool{
		"/login":            func(v map[string]any) bool { return v["token"] == "vt-5f2d9a61c0de" },
		"/api/items":        func(v map[string]any) bool { items, _ := v["items"].([]any); return len(items) == 3 },
		"/api/items?page=2": func(v map[string]any) bool { return v["next"] == nil },
	} {
		r := c.get(path)
		var v map[string]any
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(r.body), &v) != nil || !check(v) {
			t.Errorf("%s: %d %q %q", path, r.StatusCode, r.Header.Get("Content-Type"), r.body)
		}
	}
	if r := c.get("/api/nope"); r.StatusCode != 404 {
		t.Errorf("/api/nope: %d", r.StatusCode)
	}
}
