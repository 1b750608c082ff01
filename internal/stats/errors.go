package stats

import "unicode/utf8"

// Kind is a category of error, as wrk counts them.
type Kind uint8

const (
	KindConnect  Kind = iota // could not connect (or TLS handshake failed)
	KindRead                 // reading a response failed
	KindWrite                // writing a request failed
	KindTimeout              // a request got no response in time
	KindProtocol             // a malformed response; also counted as a read error, as wrk does
)

// Bounds on Errors.Reasons: a misbehaving server can produce endless distinct
// messages, and none of them may grow the recorder without limit.
const (
	MaxReasons     = 16      // distinct reasons kept; later ones count under OtherReason
	MaxReasonBytes = 200     // longer reasons are cut (at a UTF-8 boundary)
	OtherReason    = "other" // the reason for everything past MaxReasons
)

// Errors counts failures by wrk's categories, plus a bounded breakdown by
// reason so that a report can say why a run failed.
type Errors struct {
	Connect, Read, Write, Timeout uint64
	Status                        uint64 // responses with a status above 399 or outside 1..599 (wrk's "Non-2xx or 3xx")
	Protocol                      uint64 // subset of Read: malformed responses, unexpected bytes
	Reasons                       map[string]uint64
}

// Add counts one error of the given kind; reason, when not empty, is a short
// human sentence (it is escaped when printed, so it may hold server bytes).
func (e *Errors) Add(kind Kind, reason string) {
	switch kind {
	case KindConnect:
		e.Connect++
	case KindRead:
		e.Read++
	case KindWrite:
		e.Write++
	case KindTimeout:
		e.Timeout++
	case KindProtocol:
		e.Protocol++
		e.Read++
	}
	if reason != "" {
		e.addReason(reason, 1)
	}
}

// Merge adds o's counts to e, keeping the reasons bounded.
func (e *Errors) Merge(o *Errors) {
	e.Connect += o.Connect
	e.Read += o.Read
	e.Write += o.Write
	e.Timeout += o.Timeout
	e.Status += o.Status
	e.Protocol += o.Protocol
	for r, n := range o.Reasons {
		e.addReason(r, n)
	}
}

// Socket reports whether any of wrk's socket error counts is non-zero.
func (e *Errors) Socket() bool {
	return e.Connect|e.Read|e.Write|e.Timeout != 0
}

func (e *Errors) addReason(reason string, n uint64) {
	if len(reason) > MaxReasonBytes {
		cut := MaxReasonBytes
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	if e.Reasons == nil {
		e.Reasons = make(map[string]uint64)
	}
	if _, ok := e.Reasons[reason]; !ok && reason != OtherReason {
		distinct := len(e.Reasons)
		if _, ok := e.Reasons[OtherReason]; ok {
			distinct--
		}
		if distinct >= MaxReasons {
			reason = OtherReason
		}
	}
	e.Reasons[reason] += n
}
