package stats

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRecorderResponses(t *testing.T) {
	r := NewRecorder()
	r.Response(200, 100)
	r.Response(302, 200)
	r.Response(404, 300)
	r.Response(503, 400)
	r.Completed(200) // a pipelined response that is not the last of its batch
	r.Response(999, 10)
	r.Response(-1, 10)
	r.Read(1000)
	r.Read(24)
	if r.Requests != 7 || r.Latency.Count() != 6 || r.Bytes != 1024 {
		t.Fatalf("requests %d latencies %d bytes %d", r.Requests, r.Latency.Count(), r.Bytes)
	}
	if r.StatusCodes[200] != 2 || r.StatusCodes[302] != 1 || r.StatusCodes[404] != 1 ||
		r.StatusCodes[503] != 1 || r.StatusCodes[0] != 2 {
		t.Fatalf("status codes: 200=%d 302=%d 404=%d 503=%d other=%d", r.StatusCodes[200],
			r.StatusCodes[302], r.StatusCodes[404], r.StatusCodes[503], r.StatusCodes[0])
	}
	if r.Errors.Status != 4 { // 404, 503, 999, -1
		t.Fatalf("status errors %d, want 4", r.Errors.Status)
	}
}

func TestErrorsAdd(t *testing.T) {
	var e Errors
	e.Add(KindConnect, "connection refused")
	e.Add(KindConnect, "connection refused")
	e.Add(KindRead, "")
	e.Add(KindWrite, "broken pipe")
	e.Add(KindTimeout, "")
	e.Add(KindProtocol, "invalid status line")
	if e.Connect != 2 || e.Read != 2 || e.Write != 1 || e.Timeout != 1 || e.Protocol != 1 || !e.Socket() {
		t.Fatalf("counts %+v", e)
	}
	if len(e.Reasons) != 3 || e.Reasons["connection refused"] != 2 {
		t.Fatalf("reasons %v", e.Reasons)
	}
	var none Errors
	none.Status = 5
	if none.Socket() {
		t.Fatal("status errors are not socket errors")
	}
}

func TestErrorsReasonsBounded(t *testing.T) {
	var e Errors
	for i := range MaxReasons + 10 {
		e.Add(KindProtocol, "reason "+strings.Repeat("x", i))
	}
	e.Add(KindProtocol, "reason ") // an existing reason still counts under its own name
	if len(e.Reasons) != MaxReasons+1 || e.Reasons[OtherReason] != 10 || e.Reasons["reason "] != 2 {
		t.Fatalf("%d reasons, other=%d: %v", len(e.Reasons), e.Reasons[OtherReason], e.Reasons)
	}
	var m Errors
	m.Add(KindRead, "mine")
	m.Merge(&e)
	m.Merge(&e)
	if len(m.Reasons) != MaxReasons+1 || m.Protocol != 2*e.Protocol || m.Read != 2*e.Read+1 {
		t.Fatalf("merged: %d reasons, protocol %d, read %d", len(m.Reasons), m.Protocol, m.Read)
	}
	var total uint64
	for _, n := range m.Reasons {
		total += n
	}
	if total != m.Read {
		t.Fatalf("merged reasons count %d errors, want %d", total, m.Read)
	}
}

func TestErrorsReasonCutAtRuneBoundary(t *testing.T) {
	var e Errors
	long := strings.Repeat("é", MaxReasonBytes) // 2 bytes each: a cut at MaxReasonBytes-1 would split one
	e.Add(KindRead, "x"+long)
	for r := range e.Reasons {
		if len(r) > MaxReasonBytes || !utf8.ValidString(r) {
			t.Fatalf("reason of %d bytes, valid UTF-8 %v", len(r), utf8.ValidString(r))
		}
	}
}

func TestTickRate(t *testing.T) {
	r := NewRecorder()
	ms := time.Millisecond
	r.Tick(5 * ms) // the thread starts
	for range 40 {
		r.Completed(200)
	}
	r.Tick(60 * ms) // too soon
	for range 10 {
		r.Completed(200)
	}
	r.Tick(105 * ms) // 50 requests in 100 ms
	if r.Rate.Count() != 1 || r.Rate.Max() != 500 {
		t.Fatalf("rate samples %d max %d, want 1 sample of 500", r.Rate.Count(), r.Rate.Max())
	}
	r.Tick(205 * ms) // idle: no sample, the window keeps growing
	r.Tick(305 * ms)
	if r.Rate.Count() != 1 {
		t.Fatalf("an idle window recorded a sample")
	}
	for range 30 {
		r.Completed(200)
	}
	r.Tick(405 * ms) // 30 requests over 300 ms
	if r.Rate.Count() != 2 || r.Rate.Min() != 100 {
		t.Fatalf("rate samples %d min %d, want 2 with min 100", r.Rate.Count(), r.Rate.Min())
	}
	for range 7 {
		r.Completed(200)
	}
	r.Tick(450 * ms) // a final partial window is never recorded
	if r.Rate.Count() != 2 {
		t.Fatalf("partial window recorded")
	}
}

func TestResultMerge(t *testing.T) {
	a, b := NewRecorder(), NewRecorder()
	a.Response(200, 100)
	a.Read(10)
	a.Errors.Add(KindConnect, "refused")
	b.Response(500, 300)
	b.Read(20)
	b.Rate.Record(1000)
	res := Merge(a, b)
	res.Elapsed = 2 * time.Second
	if res.Requests != 2 || res.Bytes != 30 || res.Errors.Connect != 1 || res.Errors.Status != 1 ||
		res.Latency.Count() != 2 || res.Latency.Mean() != 200 || res.Rate.Count() != 1 ||
		res.StatusCodes[200] != 1 || res.StatusCodes[500] != 1 {
		t.Fatalf("merged %+v", res)
	}
	if res.RequestsPerSec() != 1 || res.BytesPerSec() != 15 {
		t.Fatalf("per sec %v %v", res.RequestsPerSec(), res.BytesPerSec())
	}
	other := Merge(a)
	other.Elapsed = 3 * time.Second
	res.Merge(other)
	if res.Elapsed != 3*time.Second || res.Requests != 3 || res.Latency.Count() != 3 || res.Errors.Reasons["refused"] != 2 {
		t.Fatalf("result merge: elapsed %v requests %d", res.Elapsed, res.Requests)
	}
	if z := NewResult(); z.RequestsPerSec() != 0 || z.BytesPerSec() != 0 {
		t.Fatal("zero elapsed must give zero rates")
	}
}
