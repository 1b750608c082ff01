package h1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"slices"
	"testing"
)

// FuzzResponseParser feeds arbitrary bytes as a stream of pipelined responses. mode bit 0 selects
// small limits, bit 1 capture, bit 2 EOF at the end; heads marks which responses answer HEAD. The
// parser must never panic, never exceed its limits (checked by drive after every call), and give the
// same outcome in one piece, in pseudo-random pieces (from seed) and byte by byte.
func FuzzResponseParser(f *testing.F) {
	f.Add([]byte(hello+chunkedHello), uint64(1), uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, heads, mode uint8) {
		lim := Limits{}
		if mode&1 != 0 {
			lim = Limits{MaxHeaderBytes: 128, MaxHeaders: 5, MaxBodyKeep: 8}
		}
		capture, eof := mode&2 != 0, mode&4 != 0
		fail := func(f string, a ...any) { t.Helper(); t.Fatalf(f, a...) }
		whole := drive(lim, capture, heads, [][]byte{data}, eof, fail)
		if got := drive(lim, capture, heads, randomPieces(data, seed), eof, fail); !reflect.DeepEqual(got, whole) {
			t.Fatalf("random pieces:\n got %+v\nwant %+v", got, whole)
		}
		if len(whole.Resps) > 0 && eof {
			// Differential: net/http is more lenient than we are in places and stricter in others
			// (it rejects "5, 5" and any coding but chunked), but where both accept the first
			// final response, status and body length must agree.
			if status, n, ok := goReadFirst(data, headAt(heads, 0)); ok && status >= 200 &&
				(status != whole.Resps[0].Status || n != whole.Resps[0].BodyN) {
				t.Fatalf("net/http read status %d with %d body bytes; we read %+v", status, n, whole.Resps[0])
			}
		}
		if len(data) <= 1024 {
			bytewise := make([][]byte, len(data))
			for i := range data {
				bytewise[i] = data[i : i+1]
			}
			if got := drive(lim, capture, heads, bytewise, eof, fail); !reflect.DeepEqual(got, whole) {
				t.Fatalf("byte by byte:\n got %+v\nwant %+v", got, whole)
			}
		}
	})
}

// goReadFirst reads the first response of data with net/http.
func goReadFirst(data []byte, head bool) (status int, bodyN int64, ok bool) {
	req := &http.Request{Method: "GET"}
	if head {
		req.Method = "HEAD"
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), req)
	if err != nil {
		return 0, 0, false
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close() // reads from memory: closing cannot fail in a way that matters
	return resp.StatusCode, n, err == nil
}

// randomPieces cuts data into pieces of 0 to 31 bytes, sometimes more, chosen by a xorshift
// generator seeded with seed; empty pieces test Feed with nothing.
func randomPieces(data []byte, seed uint64) [][]byte {
	x := seed | 1
	var pieces [][]byte
	for len(data) > 0 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		n := int(x % 32)
		if x>>60 == 0 {
			n = int(x>>8) % (len(data) + 1)
		}
		n = min(n, len(data))
		pieces = append(pieces, data[:n])
		data = data[n:]
	}
	return pieces
}

// FuzzRequest checks that whatever AppendRequest accepts, ScanRequests accepts too (alone and
// pipelined), and that ScanRequests never panics, explains its errors in bounded printable text, and
// accepts only whole requests.
func FuzzRequest(f *testing.F) {
	f.Add("GET", "/", "Accept", "*/*", []byte(nil), false, []byte(get))
	f.Fuzz(func(t *testing.T, method, path, name, value string, body []byte, hasBody bool, raw []byte) {
		req, err := AppendRequest(nil, method, path, []Field{{Name: "Host", Value: "h"}, {Name: name, Value: value}}, body, hasBody)
		if err != nil {
			checkMsg(err.Error(), t.Fatalf)
		} else {
			if !ValidToken(method) || !ValidToken(name) || !ValidFieldValue(value) || targetProblem(path) != "" {
				t.Fatalf("AppendRequest accepted %q %q %q: %q", method, path, name, value)
			}
			heads, err := ScanRequests(slices.Concat(req, req), nil)
			isHead := method == "HEAD"
			if err != nil || !reflect.DeepEqual(heads, []bool{isHead, isHead}) {
				t.Fatalf("ScanRequests(%q) = %v, %v", req, heads, err)
			}
		}

		heads, err := ScanRequests(raw, nil)
		if err != nil {
			checkMsg(err.Error(), t.Fatalf)
			return
		}
		if len(heads) == 0 {
			t.Fatal("ScanRequests accepted a payload with no request")
		}
		if _, err := ScanRequests(raw[:len(raw)-1], nil); err == nil {
			t.Fatalf("ScanRequests accepted %q without its last byte", raw)
		}
		twice, err := ScanRequests(bytes.Repeat(raw, 2), nil)
		if err != nil || !reflect.DeepEqual(twice, slices.Concat(heads, heads)) {
			t.Fatalf("payload twice: %v, %v; once: %v", twice, err, heads)
		}
	})
}
