package h2

import (
	"fmt"
	"reflect"
	"testing"

	"volley/internal/h1"
)

// fuzzLimits are small, so that the fuzzer reaches every bound.
var fuzzLimits = h1.Limits{MaxHeaderBytes: 1024, MaxHeaders: 8, MaxBodyKeep: 16}

// run feeds in to a connection with three open streams in pieces of the given size and checks
// the bounds after every call.
func run(t *testing.T, in []byte, piece int) result {
	c := started(t, 3, fuzzLimits, settings())
	r := feed(c, in, piece)
	if len(c.Output()) > maxOut+64<<10 {
		t.Fatalf("%d bytes queued for the server", len(c.Output()))
	}
	for i := range c.streams {
		if len(c.Body(i)) > fuzzLimits.MaxBodyKeep || len(c.Headers(i)) > fuzzLimits.MaxHeaders {
			t.Fatalf("slot %d kept %d body bytes and %d fields", i, len(c.Body(i)), len(c.Headers(i)))
		}
	}
	if c.Open() < 0 || c.Open() > 3 {
		t.Fatalf("%d streams open", c.Open())
	}
	// What was kept belongs to the outcome too: a block decoded or replayed (see memo) must
	// leave the same fields.
	for i := range c.streams {
		r.events = append(r.events, fmt.Sprint(c.Headers(i), string(c.Body(i))))
	}
	return r
}

// FuzzFrames feeds arbitrary bytes as the server's frames after its SETTINGS, with three
// streams open. The parser must never panic, stay within its bounds and give the same events
// and error whether the bytes come at once, in pieces of any size, or byte by byte.
func FuzzFrames(f *testing.F) {
	f.Add(ok200(id(0), "hello"), uint8(3))
	f.Add(append(AppendFrame(nil, FramePing, 0, 0, []byte("abcdefgh")), ok200(id(2), "x")...), uint8(1))
	f.Add(AppendGoAway(ok200(id(1), ""), 1, CodeNo), uint8(7))
	f.Add(append(AppendFrame(nil, FrameHeaders, 0, id(0), block(":status", "200")), AppendFrame(nil, FrameContinuation, FlagEndHeaders|FlagEndStream, id(0), block("a", "b"))...), uint8(2))
	f.Add(AppendFrame(nil, FrameData, FlagPadded, id(0), []byte{200, 1, 2}), uint8(1))
	same := block(":status", "200", "content-length", "1", "x-a", "b")
	var thrice []byte
	for i := range 3 {
		thrice = AppendFrame(thrice, FrameHeaders, FlagEndHeaders, id(i), same)
		thrice = AppendFrame(thrice, FrameData, FlagEndStream, id(i), []byte("x"))
	}
	f.Add(thrice, uint8(20))
	f.Fuzz(func(t *testing.T, in []byte, piece uint8) {
		whole := run(t, in, len(in)+1)
		if got := run(t, in, int(piece)+1); !reflect.DeepEqual(got, whole) {
			t.Fatalf("pieces of %d:\n got %+v\nwant %+v", int(piece)+1, got, whole)
		}
	})
}

// FuzzHeaderBlock feeds an arbitrary HPACK header block as a response's HEADERS, split over
// CONTINUATION frames: the HPACK path and the field checks must never panic, nor keep more
// than the limits allow, nor depend on where the block is split.
func FuzzHeaderBlock(f *testing.F) {
	f.Add(block(":status", "200", "content-type", "text/plain"), uint8(0), uint8(4))
	f.Add(block(":status", "103", "link", "x"), uint8(5), uint8(0))
	f.Add(append(block("x-big", string(make([]byte, 600))), 0xbe, 0xbe, 0xbe), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, split, flags uint8) {
		frames := func(at int) []byte {
			at = min(at, len(b))
			fl := flags&FlagEndStream | FlagEndHeaders
			if at == len(b) {
				return AppendFrame(nil, FrameHeaders, fl, id(0), b)
			}
			out := AppendFrame(nil, FrameHeaders, fl&FlagEndStream, id(0), b[:at])
			return AppendFrame(out, FrameContinuation, FlagEndHeaders, id(0), b[at:])
		}
		whole := run(t, frames(len(b)), 1<<20)
		if got := run(t, frames(int(split)), 1<<20); !reflect.DeepEqual(got, whole) {
			t.Fatalf("split at %d:\n got %+v\nwant %+v", split, got, whole)
		}
	})
}
