// Package targets reads targets files in vegeta's "http" format: many requests, with no code.
//
//	# a comment
//	GET http://127.0.0.1:8080/hello
//	X-Account: 8675309
//
//	POST http://127.0.0.1:8080/things
//	Content-Type: application/json
//	@things.json
//
// A target is a "METHOD URL" line, then header lines, then optionally one "@file" line whose
// file is the request body; blank lines separate targets and lines starting with "#" are
// comments. Every target is validated as it is read (the URL as a command-line URL is, the
// request by h1.AppendRequest, the one validation of every request volley sends), and an error
// names the file and line. Body files are read under one directory (an os.Root: no "..", no
// symbolic link out of it), each once, all of it bounded.
package targets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"volley/internal/h1"
	"volley/internal/target"
)

// Target is one request of a targets file.
type Target struct {
	Method  string
	URL     *target.Target
	Headers []h1.Field // as given, in order
	Body    []byte     // shared by the targets that name the same file
	HasBody bool       // an @file line: the request carries Body with Content-Length
	Line    int        // the line of its "METHOD URL"
}

// Bounds on what a targets file can make volley hold.
const (
	MaxTargets    = 100_000
	MaxLineBytes  = 64 << 10
	MaxBodyBytes  = 64 << 20  // one body file (also -b and --body-file)
	MaxTotalBytes = 256 << 20 // all distinct body files together
	MaxHeaders    = 100       // header lines of one target
	MaxFileBytes  = 64 << 20  // the targets file itself
)

// Error is a problem at a line of a targets file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg }

// noBody lists the methods that cannot carry a body, as for -m (RFC 9110 9.3.2, 9.3.8).
var noBody = map[string]bool{"HEAD": true, "TRACE": true}

// Read reads the targets file r, called name in errors; "@file" bodies are opened in bodies.
func Read(r io.Reader, name string, bodies *os.Root) ([]Target, error) {
	rd := reader{name: name, bodies: bodies, files: map[string][]byte{}}
	limited := &io.LimitedReader{R: r, N: MaxFileBytes + 1}
	sc := bufio.NewScanner(limited)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	var cur *Target
	bodyLine := 0 // the line of cur's @file, which must be its last
	for sc.Scan() {
		rd.line++
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "":
			cur = nil
			continue
		case cur == nil:
			t, err := rd.requestLine(line)
			if err != nil {
				return nil, err
			}
			if len(rd.targets) == MaxTargets {
				return nil, rd.errorf("more than %d targets", MaxTargets)
			}
			rd.targets = append(rd.targets, t)
			cur, bodyLine = &rd.targets[len(rd.targets)-1], 0
		case bodyLine != 0:
			return nil, rd.errorf("the @file line (line %d) must be the target's last; separate targets with a blank line", bodyLine)
		case strings.HasPrefix(line, "@"):
			if err := rd.body(cur, line[1:]); err != nil {
				return nil, err
			}
			bodyLine = rd.line
		default:
			if err := rd.header(cur, line); err != nil {
				return nil, err
			}
		}
		if limited.N == 0 {
			return nil, rd.errorf("the file is larger than %d MiB", MaxFileBytes>>20)
		}
		if cur != nil {
			if _, err := h1.AppendRequest(nil, cur.Method, cur.URL.RequestURI, cur.Headers, nil, cur.HasBody); err != nil {
				return nil, rd.errorf("%s", err.Error())
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			rd.line++
			return nil, rd.errorf("line longer than %d KiB", MaxLineBytes>>10)
		}
		return nil, rd.errorf("reading: %v", err)
	}
	if limited.N == 0 {
		return nil, rd.errorf("the file is larger than %d MiB", MaxFileBytes>>20)
	}
	if len(rd.targets) == 0 {
		return nil, &Error{File: name, Line: rd.line, Msg: "no targets (expected lines such as \"GET http://host/path\")"}
	}
	return rd.targets, nil
}

type reader struct {
	name    string
	line    int
	bodies  *os.Root
	files   map[string][]byte
	total   int64
	targets []Target
}

func (rd *reader) errorf(format string, a ...any) *Error {
	return &Error{File: rd.name, Line: rd.line, Msg: fmt.Sprintf(format, a...)}
}

func (rd *reader) requestLine(line string) (Target, error) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return Target{}, rd.errorf("expected \"METHOD URL\", got %s", target.Quote(line))
	}
	method, raw := fields[0], fields[1]
	switch {
	case !h1.ValidToken(method):
		return Target{}, rd.errorf("invalid method %s", target.Quote(method))
	case method == "CONNECT":
		return Target{}, rd.errorf("CONNECT is not a method for a target (volley opens tunnels itself, --proxy)")
	}
	u, err := target.Parse(raw)
	if err != nil {
		return Target{}, rd.errorf("%s", err.Error())
	}
	return Target{Method: method, URL: u, Line: rd.line}, nil
}

func (rd *reader) header(t *Target, line string) error {
	if len(t.Headers) == MaxHeaders {
		return rd.errorf("more than %d headers in one target", MaxHeaders)
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return rd.errorf("expected a header \"Name: value\" or an @file line, got %s", target.Quote(line))
	}
	if strings.EqualFold(name, "Content-Length") {
		return rd.errorf("Content-Length is set by volley from the @file body")
	}
	value = strings.TrimSpace(value)
	if strings.EqualFold(name, "Host") {
		if err := target.CheckAuthority(value); err != nil {
			return rd.errorf("the Host must be host[:port]: %s", err.Error())
		}
	}
	t.Headers = append(t.Headers, h1.Field{Name: name, Value: value})
	return nil
}

func (rd *reader) body(t *Target, path string) error {
	if noBody[t.Method] {
		return rd.errorf("a %s request cannot carry a body", t.Method)
	}
	if path == "" {
		return rd.errorf("@ without a file name")
	}
	if b, ok := rd.files[path]; ok {
		t.Body, t.HasBody = b, true
		return nil
	}
	if rd.bodies == nil {
		return rd.errorf("@%s: body files are not allowed here", path)
	}
	b, err := ReadFile(rd.bodies, path, MaxBodyBytes)
	if err != nil {
		return rd.errorf("@%s: %v", path, err)
	}
	if rd.total += int64(len(b)); rd.total > MaxTotalBytes {
		return rd.errorf("the body files together are larger than %d MiB", MaxTotalBytes>>20)
	}
	rd.files[path] = b
	t.Body, t.HasBody = b, true
	return nil
}

// ReadFile reads a regular file under root, at most limit bytes. It is opened non-blocking, so
// that a FIFO or a device named by a targets file is refused instead of hanging the start.
func ReadFile(root *os.Root, path string, limit int64) ([]byte, error) {
	f, err := root.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%w (body files are read under %s)", err, target.Quote(root.Name()))
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return ReadLimited(f, limit)
}

// ReadLimited reads f whole, at most limit bytes: a file the user named, which may be a pipe
// (--body-file <(…)).
func ReadLimited(f *os.File, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return b, nil
}
