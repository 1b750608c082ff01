package app

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// closedPortURL is an http URL on a loopback port that nothing listens on: a command line
// that gets past its checks ends with exit 2, at once.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/"
}

// checkOneLine asserts what every failed invocation shows: nothing on stdout, one line on
// stderr that starts "volley: ", contains want, and carries no raw control character.
func checkOneLine(t *testing.T, args []string, code, wantCode int, out, errs, want string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, wantCode, errs)
		return
	}
	if out != "" || strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, "\n") || !strings.HasPrefix(errs, "volley: ") {
		t.Errorf("%q: want one line on stderr, got stdout %q stderr %q", args, out, errs)
	}
	if !strings.Contains(errs, want) {
		t.Errorf("%q: stderr %q lacks %q", args, errs, want)
	}
	if i := strings.IndexFunc(strings.TrimSuffix(errs, "\n"), func(r rune) bool {
		return r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError
	}); i >= 0 {
		t.Errorf("%q: raw control character in %q", args, errs)
	}
}

// Every flag that takes a number, a size or a time, given a value that is not one (empty,
// negative, zero, overflowing, a float's exponent, a unit typo, other scripts' digits, control
// characters...): exit 1 and one escaped line naming the flag.
func TestBadFlagValuesNameTheFlag(t *testing.T) {
	url := closedPortURL(t)
	flags := map[string]string{ // as typed → as named in the message
		"-c": "-c/--connections", "-d": "-d/--duration", "-t": "-t/--threads", "-T": "-T/--timeout",
		"--max-header-bytes": "--max-header-bytes", "--max-headers": "--max-headers",
		"--max-request-bytes": "--max-request-bytes", "-R": "-R/--rate", "-n": "-n/--requests",
		"--max-write-bytes": "--max-write-bytes", "--script-timeout": "--script-timeout",
		"--script-memory": "--script-memory", "--streams": "--streams", "--shards": "--shards",
	}
	values := []string{
		"", "-1", "0", "-0", "9223372036854775808", "99999999999999999999999", "1e30", "1e3", "0x10",
		"1000000h", "-1s", "0.0001", "10sec", "1kk", "1 k", "k", ".5", "5.", "++5", "١٢", "５",
		"\x1b[31m", "1\x01", "NaN", "inf", "1_000", "1,000", "\t", "1m1s", "2ns", strings.Repeat("1", 70),
	}
	for flag, name := range flags {
		for _, v := range values {
			args := []string{flag, v, "--http2", url}
			code, out, errs := runApp(args...)
			checkOneLine(t, args, code, ExitUsage, out, errs, name)
		}
		// The value missing, at the end of the line or before another flag.
		for _, args := range [][]string{{url, flag}, {flag, "-L", url}} {
			code, out, errs := runApp(args...)
			checkOneLine(t, args, code, ExitUsage, out, errs, name)
		}
	}
}

// Command lines that are wrong as a whole, or in one flag, or in the URL: exit 1 and one
// escaped line that says what is wrong; and command lines that are right but cannot start
// (nothing listens, a socket or proxy that is not there): exit 2, the same way.
func TestBadCommandLines(t *testing.T) {
	url := closedPortURL(t)
	port := strings.TrimSuffix(strings.TrimPrefix(url, "http://127.0.0.1:"), "/")
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing") // not "/nonexistent": on a shared machine, anything may appear there
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		// No URL, stray words, unknown and malformed flags.
		{nil, 1, "missing URL"},
		{[]string{""}, 1, `invalid URL "": empty`},
		{[]string{" "}, 1, "space at byte 0"},
		{[]string{"\x1b[31m"}, 1, `"\x1b[31m"`},
		{[]string{"--bogus", url}, 1, `unknown flag "--bogus"`},
		{[]string{"-Z", url}, 1, `unknown flag "-Z"`},
		{[]string{"-test.v", url}, 1, `unknown flag "-test.v"`},
		{[]string{"--test.v", url}, 1, `unknown flag "--test.v"`},
		{[]string{"---c", "5", url}, 1, `bad flag syntax "---c"`},
		{[]string{"--allow", "x", url}, 1, `ambiguous flag "--allow" (--allow-read or --allow-write or --allow-env or --allow-net)`},
		{[]string{"-L=", url}, 1, `unknown flag "-="`},
		{[]string{"-L=yes", url}, 1, `invalid -L/--latency "yes": takes no value`},
		{[]string{"--latency=yes", url}, 1, `invalid -L/--latency "yes"`},
		{[]string{"-c5x", url}, 1, `invalid -c/--connections "5x": unknown unit "x"`},
		{[]string{"-cc", url}, 1, `invalid -c/--connections "c": not a number`},
		{[]string{"-", url}, 1, `invalid URL "-"`},
		{[]string{"--", "-c", "5", url}, 1, `invalid URL "-c"`},
		{[]string{url, "--", "-c"}, 1, `invalid URL "-c"`},
		{[]string{"demo", "x"}, 1, "demo takes no URL"},
		{[]string{"merge"}, 1, "merge needs result files"},
		{[]string{"merge", "-c", "5", "a.json"}, 1, "-c/--connections does not apply to merge"},
		{[]string{"completion", "tcsh"}, 1, "completion needs one shell"},
		{[]string{"serve", "--addr", "x"}, 1, `invalid --addr "x"`},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, 1, `invalid --addr "127.0.0.1:99999": the port must be a number from 0`},
		{[]string{"serve", "--addr", "127.0.0.1:http"}, 1, `invalid --addr "127.0.0.1:http"`},
		{[]string{"serve", "--addr", "127.0.0.1:-1"}, 1, `invalid --addr "127.0.0.1:-1"`},
		{[]string{"kube-job", "--shards", "0", url}, 1, `invalid --shards "0"`},
		// A flag that takes one value, given twice.
		{[]string{"-c", "5", "-c", "5", url}, 1, "-c/--connections: given more than once"},
		{[]string{"-d", "1s", "-d", "1s", url}, 1, "-d/--duration: given more than once"},
		{[]string{"-T", "1s", "-T", "2s", url}, 1, "-T/--timeout: given more than once"},
		{[]string{"-s", "a.lua", "-s", "b.lua", url}, 1, "-s/--script: given more than once"},
		{[]string{"--json", "a", "--json", "b", url}, 1, "--json: given more than once"},
		{[]string{"-m", "GET", "-m", "GET", url}, 1, "-m/--method: given more than once"},
		// Flags that contradict each other, or need another.
		{[]string{"-c", "1", "-t", "2", url}, 1, "connections must be ≥ threads (-c 1, -t 2)"},
		{[]string{"-U", url}, 1, "-U/--u_latency needs -R/--rate"},
		{[]string{"--streams", "4", url}, 1, "--streams applies to HTTP/2 (--http2)"},
		{[]string{"-m", "HEAD", "-b", "x", url}, 1, "-m/--method HEAD cannot carry a body"},
		{[]string{"-m", "CONNECT", url}, 1, `invalid -m/--method "CONNECT"`},
		{[]string{"-m", "G E T", url}, 1, `invalid -m/--method "G E T"`},
		{[]string{"-m", "\x1b[2J", url}, 1, `invalid -m/--method "\x1b[2J"`},
		{[]string{"-b", "x", "--body-file", "f", url}, 1, "-b/--body and --body-file both give the body"},
		{[]string{"--targets", "x", "-m", "POST"}, 1, "-m/--method and --targets"},
		{[]string{"--targets", "x", url}, 1, "--targets gives the URLs"},
		{[]string{"-s", "x.lua", "-b", "x", url}, 1, "-b/--body describes the request without a script"},
		{[]string{"--allow-read", "/", url}, 1, "--allow-read applies to a script"},
		{[]string{"--cacert", "x", "-k", url}, 1, "--cacert and -k/--insecure"},
		{[]string{"--cert", "x", url}, 1, "--cert and --key go together"},
		{[]string{"--cacert", "x", url}, 1, "--cacert applies to https URLs"},
		{[]string{"--tls-min", "1.1", url}, 1, `invalid --tls-min "1.1"`},
		{[]string{"--json", "-", "--html", "-", url}, 1, `invalid --html "-": only --json`},
		{[]string{"--json", "a", "--html", "./a", url}, 1, "--json and --html both write"},
		{[]string{"--unix-socket", strings.Repeat("x", 200), url}, 1, "invalid --unix-socket"},
		{[]string{"--unix-socket", "/s", "--proxy", "h:1", url}, 1, "--unix-socket and --proxy"},
		{[]string{"--proxy", "ftp://x", url}, 1, `invalid --proxy "ftp://x"`},
		{[]string{"--proxy", "http://user:secret@[::1", url}, 1, "invalid --proxy"},
		{[]string{"--connect-to", "a:b:c:d", url}, 1, `invalid --connect-to "a:b:c:d"`},
		{[]string{"--fail-on", "p99<", url}, 1, `invalid --fail-on "p99<"`},
		{[]string{"--fail-on", "errors<200%", url}, 1, `invalid --fail-on "errors<200%"`},
		{[]string{"--shard", "3/2", url}, 1, `invalid --shard "3/2"`},
		{[]string{"--start-at", "yesterday", url}, 1, `invalid --start-at "yesterday"`},
		{[]string{"--allow-net", "a b", "-s", "x.lua", url}, 1, `invalid --allow-net "a b"`},
		{[]string{"--allow-env", "*", "-s", "x.lua", url}, 1, `invalid --allow-env "*"`},
		// -H: wrk's "Name: value", and what would break the request's framing or its Host.
		{[]string{"-H", "", url}, 1, `invalid -H/--header "": missing ':'`},
		{[]string{"-H", ":v", url}, 1, "empty header name"},
		{[]string{"-H", "X : 1", url}, 1, "invalid character ' ' in header name"},
		{[]string{"-H", "Ü: 1", url}, 1, `invalid -H/--header "Ü: 1"`},
		{[]string{"-H", "X: a\r\nY: b", url}, 1, `"X: a\r\nY: b": control character '\r'`},
		{[]string{"-H", "X: \x1b[31m", url}, 1, `control character '\x1b'`},
		{[]string{"-H", "X: " + strings.Repeat("a", 9000), url}, 1, "longer than 8 KiB"},
		{[]string{"-H", "Content-Length: 5", url}, 1, "Content-Length is set by volley"},
		{[]string{"-H", "Transfer-Encoding: chunked", url}, 1, `invalid -H/--header "Transfer-Encoding: chunked": Transfer-Encoding is not supported`},
		{[]string{"-H", "Host:", url}, 1, `invalid -H/--header "Host:": the Host must be host[:port]`},
		{[]string{"-H", "Host: a b", url}, 1, `invalid -H/--header "Host: a b"`},
		{[]string{"-H", "Host: [::1", url}, 1, "missing ] after IPv6 address"},
		{[]string{"-H", "Host: evil\x1b[2J", url}, 1, `"Host: evil\x1b[2J"`},
		// URLs.
		{[]string{"127.0.0.1:" + port}, 1, "missing scheme"},
		{[]string{"[::1]:1"}, 1, "missing scheme"},
		{[]string{"//127.0.0.1:1/"}, 1, "missing scheme"},
		{[]string{"http:127.0.0.1:1"}, 1, "missing scheme"},
		{[]string{"ftp://127.0.0.1/"}, 1, "scheme must be http or https"},
		{[]string{"unix:///tmp/x.sock"}, 1, "scheme must be http or https"},
		{[]string{"http://[::1"}, 1, "missing ] after IPv6 address"},
		{[]string{"http://[fe80::1%eth0]/"}, 1, "IPv6 zone must be written as %25zone"},
		{[]string{"http://user:pw@127.0.0.1:1/"}, 1, "user info (user:password@) is not supported"},
		{[]string{"http://a@b@127.0.0.1:1/"}, 1, "user info"},
		{[]string{"http://127.0.0.1:0/"}, 1, `port "0" is out of range`},
		{[]string{"http://127.0.0.1:65536/"}, 1, `port "65536" is out of range`},
		{[]string{"http://127.0.0.1:99999/"}, 1, `port "99999" is out of range`},
		{[]string{"http://127.0.0.1:-1/"}, 1, `port "-1" is not a number`},
		{[]string{"http://127.0.0.1:1:2/"}, 1, `port "1:2" is not a number`},
		{[]string{"http://:1/"}, 1, "missing host"},
		{[]string{"http:///"}, 1, "missing host"},
		{[]string{"http://"}, 1, "missing host"},
		{[]string{"http://127.0.0.1:1/a b"}, 1, "space at byte 20 (write it as %20)"},
		{[]string{"http://ex ample.com/"}, 1, "space at byte 9"},
		{[]string{"http://127.0.0.1:1/\x1b[2J"}, 1, "control byte 0x1b at byte 19"},
		{[]string{"http://127.0.0.1:1/?a=\x7f"}, 1, "control byte 0x7f"},
		{[]string{"http://ëxample.com/"}, 1, "non-ASCII byte at byte 7"},
		{[]string{"http://127.1:1/"}, 1, `"127.1" is not a valid IPv4 address`},
		{[]string{"http://999.0.0.1/"}, 1, "not a valid IPv4 address"},
		{[]string{"http://127.0.0.1:1/" + strings.Repeat("a", 100000)}, 1, "longer than 8192 bytes"},
		{[]string{url, "ftp://x/"}, 1, "(without a script, every argument is a URL)"},
		// Right, but nothing to run against: exit 2, saying where and through what.
		{[]string{url}, 2, "unable to connect to 127.0.0.1:" + port + ": connection refused"},
		{[]string{"--", url}, 2, "connection refused"},
		{[]string{"-d", "1s", url, "-c", "3", "-t", "1"}, 2, "connection refused"},
		{[]string{"HTTP://127.0.0.1:" + port + "/"}, 2, "connection refused"},
		{[]string{"http://127.0.0.1:000" + port + "/#frag"}, 2, "connection refused"},
		{[]string{"http://127.0.0.1:" + port + "?q=1"}, 2, "connection refused"},
		{[]string{"http://127.0.0.1:" + port + "/%zz"}, 2, "connection refused"},
		{[]string{"-H", "Host: example.com:8080", url}, 2, "connection refused"},
		{[]string{"-H", "X:1", url}, 2, "connection refused"},
		{[]string{"--unix-socket", missing, url}, 2, "through the socket " + missing + " (--unix-socket): no such file or directory"},
		{[]string{"--unix-socket", "\x1b[31m", url}, 2, `through the socket \x1b[31m (--unix-socket)`},
		{[]string{"--proxy", "nonexistent.invalid", url}, 2, `through the proxy http://nonexistent.invalid (--proxy): cannot resolve "nonexistent.invalid"`},
		{[]string{"--connect-to", "127.0.0.1:" + port + ":nonexistent.invalid:1", url}, 2, "at nonexistent.invalid:1 (--connect-to): cannot resolve"},
		{[]string{"-c", "1000000", url}, 2, "file descriptors"},
		// Files that are not what the flag needs.
		{[]string{"-s", missing, url}, 1, "-s/--script " + missing + ": no such file or directory"},
		{[]string{"-s", "/", url}, 1, "-s/--script /: is a directory"},
		{[]string{"--body-file", missing, url}, 1, "--body-file " + missing + ": no such file or directory"},
		{[]string{"--targets", missing}, 1, "--targets " + missing + ": no such file or directory"},
		{[]string{"--targets", dir}, 1, "--targets " + dir + ": is a directory"},
		{[]string{"--cacert", missing, "https://127.0.0.1:1/"}, 1, "--cacert " + missing + ": no such file or directory"},
		// Read bounded (it was os.ReadFile: /dev/zero filled memory until the process was killed).
		{[]string{"--cacert", "/dev/zero", "https://127.0.0.1:1/"}, 1, "--cacert /dev/zero: larger than 16 MiB"},
		{[]string{"--cert", "/dev/zero", "--key", "/dev/zero", "https://127.0.0.1:1/"}, 1, "--cert /dev/zero: larger than 16 MiB"},
		{[]string{"--cert", notPEM, "--key", "/dev/zero", "https://127.0.0.1:1/"}, 1, "--key /dev/zero: larger than 16 MiB"},
		{[]string{"--cert", notPEM, "--key", notPEM, "https://127.0.0.1:1/"}, 1, "--cert " + notPEM + " --key " + notPEM + ": tls: failed to find any PEM data"},
		{[]string{"--body-file", "/dev/zero", url}, 1, "--body-file /dev/zero: larger than 64 MiB"},
		{[]string{"--json", missing + "/x.json", url}, 1, "--json " + missing + "/x.json: no such file or directory"},
		{[]string{"merge", missing}, 1, "merge: " + missing + ": no such file or directory"},
	}
	for _, tc := range cases {
		code, out, errs := runApp(tc.args...)
		checkOneLine(t, tc.args, code, tc.code, out, errs, tc.want)
	}
}
