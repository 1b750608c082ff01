package h1

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// result is everything observable from parsing a byte stream of responses; two ways of splitting
// the same stream into reads must give equal results.
type result struct {
	Resps []resp
	Kind  ErrorKind // of the error that ended the stream, 0 if none
	Msg   string
}

type resp struct {
	Status int
	Keep   bool
	BodyN  int64
	Body   string
	Fields []Field
}

func (r resp) String() string {
	return fmt.Sprintf("{%d keep=%v body=%d %q %d fields}", r.Status, r.Keep, r.BodyN, r.Body, len(r.Fields))
}

// headAt says whether response i answers a HEAD request: bit i%8 of mask.
func headAt(mask uint8, i int) bool { return mask>>(i%8)&1 != 0 }

// drive feeds pieces to a parser, starting a response lazily whenever bytes arrive and none is in
// progress (as an engine with pipelined requests would), then signals EOF if eof is set. It checks the
// invariants that must hold after every call and reports violations through fail.
func drive(lim Limits, capture bool, heads uint8, pieces [][]byte, eof bool, fail func(string, ...any)) result {
	var p Parser
	p.Init(lim)
	p.SetCapture(capture)
	eff := Limits{MaxHeaderBytes: int(p.maxHead), MaxHeaders: int(p.maxFields), MaxBodyKeep: int(p.maxKeep)}
	var r result
	started := false
	snap := func() {
		x := resp{Status: p.Status(), Keep: p.KeepAlive(), BodyN: p.BodyBytes(), Body: string(p.Body())}
		if len(p.Headers()) > 0 {
			x.Fields = append([]Field(nil), p.Headers()...)
		}
		r.Resps = append(r.Resps, x)
		started = false
	}
	setErr := func(err error) {
		var e *Error
		if !errors.As(err, &e) {
			fail("error of type %T: %v", err, err)
			return
		}
		r.Kind, r.Msg = e.Kind, e.Msg
		checkMsg(e.Msg, fail)
	}
	check := func() {
		if cap(p.pend) > eff.MaxHeaderBytes {
			fail("pending buffer capacity %d > %d", cap(p.pend), eff.MaxHeaderBytes)
		}
		if len(p.Headers()) > eff.MaxHeaders {
			fail("%d headers kept > %d", len(p.Headers()), eff.MaxHeaders)
		}
		if b := p.Body(); cap(b) > eff.MaxBodyKeep || int64(len(b)) > p.BodyBytes() || !capture && len(b) > 0 {
			fail("body kept: len %d cap %d, counted %d, capture %v", len(b), cap(b), p.BodyBytes(), capture)
		}
	}
	for _, b := range pieces {
		for len(b) > 0 {
			if !started {
				p.Start(headAt(heads, len(r.Resps)))
				started = true
			}
			n, done, err := p.Feed(b)
			check()
			if n < 0 || n > len(b) || !done && err == nil && n != len(b) {
				fail("Feed(%d bytes) = %d, %v, %v", len(b), n, done, err)
			}
			if done && (err != nil || !p.Idle()) {
				fail("done with err %v, idle %v", err, p.Idle())
			}
			if err != nil {
				setErr(err)
				return r
			}
			b = b[n:]
			if done {
				snap()
			}
		}
	}
	if eof && started {
		done, err := p.EOF()
		check()
		if err != nil {
			setErr(err)
		} else if done {
			snap()
		} else {
			fail("EOF while a response was in progress: not done and no error")
		}
	}
	return r
}

// checkMsg enforces what error messages promise: one bounded line of printable ASCII.
func checkMsg(msg string, fail func(string, ...any)) {
	if msg == "" || len(msg) > 300 { // at most 40 quoted bytes, each up to 4 characters escaped
		fail("error message length %d: %q", len(msg), msg)
	}
	for i := 0; i < len(msg); i++ {
		if msg[i] < 0x20 || msg[i] > 0x7e {
			fail("error message has byte %#x: %q", msg[i], msg)
			return
		}
	}
}

// checkSplits parses in one piece, byte by byte, and in two pieces at every split point, and
// requires identical results; it returns the one-piece result.
func checkSplits(t *testing.T, lim Limits, capture bool, heads uint8, in []byte, eof bool) result {
	t.Helper()
	fail := func(f string, a ...any) { t.Helper(); t.Errorf(f, a...) }
	whole := drive(lim, capture, heads, [][]byte{in}, eof, fail)
	bytewise := make([][]byte, len(in))
	for i := range in {
		bytewise[i] = in[i : i+1]
	}
	if got := drive(lim, capture, heads, bytewise, eof, fail); !reflect.DeepEqual(got, whole) {
		t.Errorf("byte by byte:\n got %+v\nwant %+v", got, whole)
	}
	for i := 1; i < len(in); i++ {
		if got := drive(lim, capture, heads, [][]byte{in[:i], in[i:]}, eof, fail); !reflect.DeepEqual(got, whole) {
			t.Errorf("split at %d:\n got %+v\nwant %+v", i, got, whole)
			break
		}
	}
	return whole
}
