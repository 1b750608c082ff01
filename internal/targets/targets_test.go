package targets

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func root(t testing.TB, files map[string]string) *os.Root {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRead(t *testing.T) {
	const file = `# vegeta's example, and ours
GET http://127.0.0.1:8080/hello
X-Account-ID: 8675309

DELETE http://127.0.0.1:8080/path/to/remove
Confirmation-Token: 90215
Authorization: Token DEADBEEF

  POST https://example.com:8443/things
# a comment inside a target
Content-Type: application/json
@thing.json



HEAD http://[::1]/
`
	ts, err := Read(strings.NewReader(file), "t.txt", root(t, map[string]string{"thing.json": `{"a":1}`}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 4 {
		t.Fatalf("%d targets: %+v", len(ts), ts)
	}
	want := []struct {
		method, uri, host string
		headers, line     int
		body              string
	}{
		{"GET", "/hello", "127.0.0.1:8080", 1, 2, ""},
		{"DELETE", "/path/to/remove", "127.0.0.1:8080", 2, 5, ""},
		{"POST", "/things", "example.com:8443", 1, 9, `{"a":1}`},
		{"HEAD", "/", "[::1]", 0, 16, ""},
	}
	for i, w := range want {
		g := ts[i]
		if g.Method != w.method || g.URL.RequestURI != w.uri || g.URL.HostHeader != w.host || len(g.Headers) != w.headers ||
			g.Line != w.line || string(g.Body) != w.body || g.HasBody != (w.body != "") {
			t.Errorf("target %d = %+v (url %+v), want %+v", i, g, g.URL, w)
		}
	}
}

func TestReadErrors(t *testing.T) {
	r := root(t, map[string]string{"b": "x", "big": strings.Repeat("x", 10)})
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.Name(), "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(r.Name(), "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, want string }{
		{"", "t:0: no targets"},
		{"# only\n\n", "t:2: no targets"},
		{"GET\n", `t:1: expected "METHOD URL", got "GET"`},
		{"GET http://h/ extra\n", `t:1: expected "METHOD URL"`},
		{"G(T http://h/\n", `t:1: invalid method "G(T"`},
		{"CONNECT http://h/\n", "t:1: CONNECT is not a method"},
		{"GET ftp://h/\n", `t:1: invalid URL "ftp://h/": scheme must be http or https`},
		{"GET http://h/\nX-A 1\n", `t:2: expected a header "Name: value"`},
		{"GET http://h/\nX A: 1\n", `t:2: invalid header name "X A"`},
		{"GET http://h/\nX-A: 1\x01\n", `t:2: header "X-A" value contains`},
		{"GET http://h/\nTransfer-Encoding: chunked\n", "t:2: header \"Transfer-Encoding\" is not supported"},
		{"POST http://h/\ncontent-length: 3\n", "t:2: Content-Length is set by volley"},
		{"GET http://h/\nHost: a b\n", "t:2: the Host must be host[:port]: invalid character ' ' in host"},
		{"GET http://h/\nhost:\n", "t:2: the Host must be host[:port]: missing host"},
		{"POST http://h/\n@b\nX-A: 1\n", "t:3: the @file line (line 2) must be the target's last"},
		{"HEAD http://h/\n@b\n", "t:2: a HEAD request cannot carry a body"},
		{"POST http://h/\n@\n", "t:2: @ without a file name"},
		{"POST http://h/\n@missing\n", "t:2: @missing: no such file or directory"},
		{"POST http://h/\n@../etc/passwd\n", "t:2: @../etc/passwd: path escapes from parent"},
		{"POST http://h/\n@" + outside + "\n", "path escapes from parent"},
		{"POST http://h/\n@link\n", "t:2: @link: path escapes from parent"},
		{"POST http://h/\n@.\n", "t:2: @.: not a regular file"},
		{"POST http://h/\n@fifo\n", "t:2: @fifo: not a regular file"}, // refused, not waited on
		{"POST http://h/\n@/dev/zero\n", "path escapes from parent"},
		{"GET http://h/\n\nGET http://h/\n" + strings.Repeat("x", MaxLineBytes+1) + "\n", "t:4: line longer than 64 KiB"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.file), "t", r)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Read(%q) error = %v, want %q", tt.file, err, tt.want)
		}
	}
}

func TestReadFileLimit(t *testing.T) {
	r := root(t, map[string]string{"big": strings.Repeat("x", 2<<20+1)})
	if _, err := ReadFile(r, "big", 2<<20); err == nil || err.Error() != "larger than 2 MiB" {
		t.Errorf("error = %v", err)
	}
}

func TestSharedBodies(t *testing.T) {
	ts, err := Read(strings.NewReader("POST http://h/\n@b\n\nPUT http://h/\n@b\n"), "t", root(t, map[string]string{"b": "body"}))
	if err != nil {
		t.Fatal(err)
	}
	if &ts[0].Body[0] != &ts[1].Body[0] { // the file is read once: both share its bytes
		t.Error("a body file named twice is read twice")
	}
}

// The file itself is bounded, whatever its lines.
func TestReadFileSizeLimit(t *testing.T) {
	line := "GET http://h/\nX: " + strings.Repeat("y", 60<<10) + "\n\n"
	big := strings.Repeat(line, MaxFileBytes/len(line)+2)
	_, err := Read(strings.NewReader(big), "t", nil)
	if err == nil || !strings.Contains(err.Error(), "the file is larger than 64 MiB") {
		t.Fatalf("error %v", err)
	}
}
