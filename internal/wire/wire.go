// Package wire is the contract between the engine and a protocol. The engine owns sockets, TLS,
// timers, pacing, -n's quota, the script and the counts; a protocol (internal/h1, internal/h2)
// owns what is said on one connection: it turns requests into bytes and the server's bytes
// into events. Adding a protocol is adding a package that implements Protocol and Conn; the
// engine does not change (docs/architecture.md, decision 13).
//
// A connection has slots, each carrying one request batch at a time with its own timing: an
// HTTP/1.1 connection has one slot, whose batch may hold several pipelined requests; an HTTP/2
// connection has a slot per stream it may open, each batch one request.
package wire

import (
	"errors"
	"io"
)

// Field is a response header field as the script's response() sees it. HTTP/2 names are lower
// case; HTTP/1.1 names are as the server sent them.
type Field struct{ Name, Value string }

// Request is validated HTTP/1.1 request text (one request, or several pipelined) and, in order,
// whether each is a HEAD request, whose response has no body. Every request source — flags,
// targets files, scripts — produces this form; a protocol turns it into its own.
type Request struct {
	Text  []byte
	Heads []bool
}

// Event is what Feed or Lost reports besides consuming bytes.
type Event uint8

const (
	None     Event = iota // nothing happened beyond consuming the input
	Ready                 // the connection can take requests now, or more of them (Slots)
	Response              // one response of the slot's batch is complete: Status, Headers, Body
	Failed                // the slot's request failed alone (Reason); the connection goes on
	Closing               // the server takes no new requests here (Closing, Refused); Reason, if not empty, is an error to count
)

// ErrNoSlot is Submit's answer when the connection takes no new request: the request is to be
// sent on the next connection.
var ErrNoSlot = errors.New("the connection takes no new requests")

// RequestError is Submit's answer for a request the protocol cannot carry at all (HTTP/2: a
// pipelined batch, a connection-specific header): the script that made it is at fault.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// Protocol makes the connections of a run.
type Protocol interface {
	// Name is the protocol as the report and errors name it: "http/1.1", "h2", "h2c".
	Name() string
	// Slots is the most slots a connection has: 1 for HTTP/1.1, --streams for HTTP/2.
	Slots() int
	// ALPN is the protocol the server must choose by TLS's ALPN, "" when none is required
	// (HTTP/1.1 also reaches a server that does no ALPN).
	ALPN() string
	// Greet checks, on a plain connection opened before the run, that the server speaks the
	// protocol (HTTP/2 with prior knowledge: it answers the preface with SETTINGS), so that a
	// run that would fail every request does not start. Over TLS, ALPN says it.
	Greet(rw io.ReadWriter) error
	// NewConn makes the state of one connection, reused across its reconnections. scheme is
	// "http" or "https"; capture keeps headers and bodies for the script's response().
	NewConn(scheme string, capture bool) Conn
}

// Conn is one connection's protocol state. Its methods are called from one goroutine, and on
// the per-request path they do not allocate.
type Conn interface {
	// Start begins a new connection (after connect, proxy tunnel and TLS), forgetting the last:
	// Output then holds what the protocol says first.
	Start()
	// Slots is how many slots may take a request now, from slot 0: none before the connection
	// is ready (HTTP/2: until the server's SETTINGS) and once it is closing.
	Slots() int
	// Submit queues request r on the free slot. Errors: ErrNoSlot, *RequestError, or another
	// error that concerns this request only (counted; the slot stays free).
	Submit(slot int, r Request) error
	// Pending is how many requests of the slot's batch await their response.
	Pending(slot int) int
	// Output is what waits to be written; Written drops its first n bytes once sent. After an
	// error from Feed, Output holds the protocol's farewell (HTTP/2's GOAWAY), if any.
	Output() []byte
	Written(n int)
	// Feed consumes the server's bytes. It returns after an event, with the slot it concerns;
	// b[n:] is then still to be fed. After an error the connection is unusable.
	Feed(b []byte) (n int, ev Event, slot int, err error)
	// Lost tells the protocol that the connection ended: the server closed it (cause nil) or a
	// read failed. It may complete a response (a body delimited by the close); err says that
	// outstanding requests were lost. Refused then tells which may be sent again.
	Lost(cause error) (ev Event, slot int, err error)
	// Status, Headers and Body describe the slot's last response, valid until the next Feed
	// (Headers and Body only when capturing).
	Status(slot int) int
	Headers(slot int) []Field
	Body(slot int) []byte
	// Reason explains the last Failed or Closing event.
	Reason() string
	// Closing reports whether the server takes no new requests on this connection (HTTP/1.1's
	// Connection: close, HTTP/2's GOAWAY, or the connection's end).
	Closing() bool
	// Refused, once Closing, is how many of the slot's pending requests (the last ones of its
	// batch) the server did not and will not process, so that they may be sent again on a new
	// connection; the protocol forgets them.
	Refused(slot int) int
	// Cancel abandons the slot's pending requests (their response timed out) and reports
	// whether the connection goes on: HTTP/2 resets the stream; HTTP/1.1 cannot, and the
	// connection must close.
	Cancel(slot int) bool
}
