package h2

import (
	"strings"
	"testing"

	"volley/internal/h1"
)

// A block like the last one is not decoded again, but it means exactly what it meant: the
// same fields, checked again in their new place (a body that contradicts the replayed
// content-length, pseudo-headers in trailers).
func TestSameBlockMeansTheSame(t *testing.T) {
	a := block(":status", "200", "content-length", "5", "x-a", "1")
	b := block(":status", "404", "x-b", "2")
	resp := func(slot int, blk []byte, body string) []byte {
		r := AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(slot), blk)
		return AppendFrame(r, FrameData, FlagEndStream, id(slot), []byte(body))
	}
	var in []byte
	in = append(in, resp(0, a, "hello")...)
	in = append(in, resp(1, a, "world")...)
	in = append(in, resp(2, b, "")...)
	in = append(in, resp(3, a, "again")...)
	c := started(t, 5, h1.Limits{}, settings())
	r := feed(c, in, 1<<20)
	if r.err != "" || strings.Join(r.events, ",") != "response 000 200,response 001 200,response 002 404,response 003 200" {
		t.Fatalf("%+v", r)
	}
	for _, slot := range []int{0, 1, 3} {
		if h := c.Headers(slot); len(h) != 2 || h[0] != (h1.Field{Name: "content-length", Value: "5"}) || h[1] != (h1.Field{Name: "x-a", Value: "1"}) {
			t.Fatalf("slot %d: %+v", slot, h)
		}
	}
	if h := c.Headers(2); len(h) != 1 || h[0].Name != "x-b" {
		t.Fatalf("slot 2: %+v", h)
	}
	if r := feed(c, resp(4, a, "four"), 1<<20); !strings.Contains(r.err, "4 body bytes, content-length said 5") {
		t.Fatalf("a replayed content-length is not held to: %+v", r)
	}

	c = started(t, 2, h1.Limits{}, settings())
	in = resp(0, a, "hello")
	in = AppendFrame(in, FrameHeaders, FlagEndHeaders, id(1), block(":status", "200"))
	in = AppendFrame(in, FrameData, 0, id(1), []byte("x"))
	in = AppendFrame(in, FrameHeaders, FlagEndHeaders|FlagEndStream, id(1), a) // as trailers
	if r := feed(c, in, 1<<20); !strings.Contains(r.err, `pseudo-header ":status" in trailers`) {
		t.Fatalf("a replayed block is not checked as trailers: %+v", r)
	}
}

// nginx's responses, the same block each time, cost no allocation: the block is decoded once.
func TestSameBlockAllocatesNothing(t *testing.T) {
	c := started(t, 1, h1.Limits{}, settings())
	req, err := Prepare([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "http", "")
	if err != nil {
		t.Fatal(err)
	}
	first := true
	var resp []byte
	allocs := testing.AllocsPerRun(100, func() {
		if !first {
			if err := c.Submit(0, &req); err != nil {
				t.Fatal(err)
			}
		}
		first = false
		c.Written(len(c.Output()))
		resp = AppendFrame(resp[:0], FrameHeaders, FlagEndHeaders, c.lastOpened, nginxHello)
		resp = AppendFrame(resp, FrameData, FlagEndStream, c.lastOpened, []byte("hello\n"))
		if _, ev, _, err := c.Feed(resp); err != nil || ev != Response {
			t.Fatal(ev, err)
		}
	})
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per response", allocs)
	}
}
