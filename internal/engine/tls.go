package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"volley/internal/stats"
)

// TLS stays in the event loop (docs/architecture.md, decision 3): crypto/tls runs over tlsPipe,
// an in-memory net.Conn. The loop moves ciphertext between the socket and the pipe. Only the
// handshake runs on a helper goroutine, over a duplicate of the socket managed by Go's own
// poller; the loop keeps off the socket meanwhile and takes it back when the helper reports.

// errWouldBlock tells crypto/tls that no more ciphertext is buffered. It is a temporary
// net.Error, which crypto/tls does not record as a fatal connection error, so Read can be
// retried when more ciphertext arrives.
var errWouldBlock error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "would block" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

type tlsPipe struct {
	hs  net.Conn // the socket's duplicate, during the handshake only
	in  []byte   // ciphertext read by the loop, not yet consumed by crypto/tls
	out []byte   // ciphertext produced by crypto/tls, not yet written to the socket
}

func (p *tlsPipe) Read(b []byte) (int, error) {
	if p.hs != nil {
		return p.hs.Read(b)
	}
	if len(p.in) == 0 {
		return 0, errWouldBlock
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

// Write never fails after the handshake: crypto/tls treats any write error as permanent, so
// the pipe only buffers and the loop flushes.
func (p *tlsPipe) Write(b []byte) (int, error) {
	if p.hs != nil {
		return p.hs.Write(b)
	}
	p.out = append(p.out, b...)
	return len(b), nil
}

func (p *tlsPipe) Close() error                     { return nil }
func (p *tlsPipe) LocalAddr() net.Addr              { return nil }
func (p *tlsPipe) RemoteAddr() net.Addr             { return nil }
func (p *tlsPipe) SetDeadline(time.Time) error      { return nil }
func (p *tlsPipe) SetReadDeadline(time.Time) error  { return nil }
func (p *tlsPipe) SetWriteDeadline(time.Time) error { return nil }

type tlsConn struct {
	conn *tls.Conn
	pipe tlsPipe
}

// encrypt turns plaintext into ciphertext in pipe.out, which the loop then flushes.
func (c *tlsConn) encrypt(plain []byte) error {
	_, err := c.conn.Write(plain)
	return err
}

// sent drops n flushed bytes of ciphertext, reusing the buffer once it is empty.
func (c *tlsConn) sent(n int) {
	rest := c.pipe.out[n:]
	if len(rest) == 0 {
		rest = c.pipe.out[:0]
	}
	c.pipe.out = rest
}

// release ends the connection's TLS state; closing the duplicate also cancels a handshake.
func (c *tlsConn) release() {
	if c.pipe.hs != nil {
		c.pipe.hs.Close()
	}
}

type handshakeDone struct {
	idx, gen int32
	err      error
}

func (t *thread) startHandshake(c *conn) {
	// The loop leaves the socket to the helper: unregistered, not just disabled, since a
	// hang-up would still be reported and spin the loop.
	t.poll.remove(c.fd)
	hs, err := duplicate(c.fd)
	if err != nil {
		t.fail(c, stats.KindConnect, "tls: "+err.Error())
		return
	}
	tc := &tlsConn{}
	tc.pipe.hs = hs
	tc.conn = tls.Client(&tc.pipe, c.org.TLS)
	c.tls = tc
	c.state = stHandshake
	idx, gen := c.idx, c.gen
	deadline := time.Now().Add(time.Duration(t.timeout))
	go func() {
		_ = hs.SetDeadline(deadline)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err := tc.conn.HandshakeContext(ctx)
		cancel()
		t.notify(handshakeDone{idx: idx, gen: gen, err: err})
	}()
}

// duplicate gives a net.Conn over the same socket, driven by Go's poller.
func duplicate(fd int) (net.Conn, error) {
	nfd, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(nfd)
	f := os.NewFile(uintptr(nfd), "")
	nc, err := net.FileConn(f)
	// FileConn holds its own duplicate; closing this one frees a descriptor whatever close says.
	_ = f.Close()
	return nc, err
}

func (t *thread) notify(d handshakeDone) {
	t.notifyMu.Lock()
	defer t.notifyMu.Unlock()
	if t.wakeup.r < 0 {
		return // the run is over
	}
	t.notified = append(t.notified, d)
	t.wakeup.wake()
}

func (t *thread) drainHandshakes() {
	t.notifyMu.Lock()
	t.wakeup.drain()
	done := t.notified
	t.notified = nil
	t.notifyMu.Unlock()
	for _, d := range done {
		c := &t.conns[d.idx]
		if c.gen != d.gen || c.state != stHandshake {
			continue
		}
		c.tls.pipe.hs.Close()
		c.tls.pipe.hs = nil
		if d.err != nil {
			t.fail(c, stats.KindConnect, "tls handshake: "+handshakeText(d.err))
			continue
		}
		if err := t.poll.add(c.fd, false, c.idx, c.gen); err != nil {
			t.fail(c, stats.KindConnect, "registering the socket: "+err.Error())
			continue
		}
		t.rec.Handshakes++
		if c.tls.conn.ConnectionState().DidResume {
			t.rec.Resumed++
		}
		t.opened(c)
	}
}

func handshakeText(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timed out"
	}
	return err.Error()
}

// decrypt feeds ciphertext to crypto/tls and the plaintext it yields to the parser.
func (t *thread) decrypt(c *conn, b []byte) {
	tc := c.tls
	tc.pipe.in = b
	defer func() { tc.pipe.in = nil }()
	for {
		n, err := tc.conn.Read(t.plain)
		if n > 0 {
			t.rec.Bytes += uint64(n)
			t.consume(c, t.plain[:n])
			if c.tls != tc {
				return // the connection was replaced
			}
		}
		if err == nil {
			continue
		}
		if err == errWouldBlock { //nolint:errorlint // our own sentinel, which crypto/tls returns unwrapped; checked on every read
			break
		}
		if errors.Is(err, io.EOF) { // close_notify
			t.lost(c, nil)
			return
		}
		t.fail(c, stats.KindRead, "tls: "+err.Error())
		return
	}
	if c.state == stReady && !c.wantOut {
		t.flush(c) // the answers to every record of this read in one write, and post-handshake messages
	}
}
