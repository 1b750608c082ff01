//go:build linux

package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"volley/internal/testserver"
)

// inNetns runs fn on an OS thread that has entered the network namespace ns, so that the
// sockets fn opens live there. The thread is never returned to the runtime: the goroutine
// exits locked, and Go ends the thread with it.
func inNetns(t *testing.T, ns string, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // no UnlockOSThread: the thread leaves with the goroutine
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			errc <- err
			return
		}
		// Opened read-only: a failed close loses nothing.
		defer func() { _ = f.Close() }()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// No DNS query leaves for a name the user did not grant, in any phase of a script. The test
// makes a network namespace whose resolv.conf (ip netns exec bind-mounts /etc/netns/NAME/
// resolv.conf over /etc/resolv.conf) names a resolver on the namespace's loopback that only
// counts queries, and runs volley there with scripts that call wrk.lookup("leak.example").
// Granting the name shows that the test sees a query when one is sent.
func TestNoDNSQueryForUngrantedNames(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root: skipped")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed: skipped")
	}
	ns := "vlydns" + strconv.Itoa(rand.IntN(1<<20))
	etc := filepath.Join("/etc/netns", ns)
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", ns).Run() // best effort: it may not exist yet
		_ = os.RemoveAll(etc)                            // best effort, as above
	})
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		// Root in a container without CAP_SYS_ADMIN, for one.
		t.Skipf("cannot make a network namespace: skipped (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip netns exec %s ip link set lo up: %v\n%s", ns, err, out)
	}
	if err := os.MkdirAll(etc, 0o755); err != nil { //nolint:gosec // G301: like /etc, world-readable
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "resolv.conf"), []byte("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	var queries atomic.Int64
	var resolver net.PacketConn
	var srv *testserver.Server
	inNetns(t, ns, func() error {
		var err error
		if resolver, err = net.ListenPacket("udp", "127.0.0.1:53"); err != nil {
			return err
		}
		srv, err = testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
		return err
	})
	t.Cleanup(func() {
		_ = resolver.Close() // ends the counting loop
		closeTarget(t, srv)
	})
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := resolver.ReadFrom(buf)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Error(err)
				}
				return
			}
			queries.Add(1)
			if resp := answer(buf[:n]); resp != nil {
				_, _ = resolver.WriteTo(resp, from) // a lost answer fails the lookup, and the test
			}
		}
	}()

	bin := buildBinary(t)
	lookup := `wrk.lookup("leak.example", "80")`
	byName := "http://" + targetName + ":" + srv.URL()[strings.LastIndexByte(srv.URL(), ':')+1:]
	target := `wrk.lookup(wrk.host, wrk.port)`
	cases := []struct {
		name, src, url string
		grant          bool
		want           string // in the output
		least, most    int64  // DNS queries the run sends
		args           []string
	}{
		{"main chunk", lookup, srv.URL(), false, `wrk.lookup: "leak.example" is not the target`, 0, 0, nil},
		{"setup", `function setup(thread) ` + lookup + ` end`, srv.URL(), false, "grant it with --allow-net leak.example", 0, 0, nil},
		{"init", `function init(args) ` + lookup + ` end`, srv.URL(), false, "--allow-net leak.example", 0, 0, nil},
		{"request", `function request() ` + lookup + ` return wrk.format() end`, srv.URL(), false, "--allow-net leak.example", 0, 0, nil},
		{"done", `function done() ` + lookup + ` end`, srv.URL(), false, "--allow-net leak.example", 0, 0, nil},
		{"main chunk, granted", lookup, srv.URL(), true, `wrk.lookup: cannot resolve "leak.example"`, 1, 99, nil},
		// The target by name: resolved once (A and AAAA), however often the script looks it up.
		{"the target, looked up in every phase", `local a = ` + target + `
			function setup(thread) thread.addr = ` + target + `[1] end
			function init(args) ` + target + ` end
			function request() ` + target + ` return wrk.format() end`, byName, false, "requests in", 1, 2, nil},
		// Through --connect-to, the answer is the address dialled: the URL's name is never resolved.
		{"the target through --connect-to", `function setup(thread) thread.addr = ` + target + `[1] end`, byName, false, "requests in", 0, 0,
			[]string{"--connect-to", targetName + "::" + srv.Addr()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := queries.Load()
			args := []string{"netns", "exec", ns, bin, "-t2", "-c2", "-d200ms", "--quiet", "-s", writeScript(t, c.src)}
			if c.grant {
				args = append(args, "--allow-net", "leak.example")
			}
			args = append(args, c.args...)
			out, _ := exec.Command("ip", append(args, c.url+"/")...).CombinedOutput()
			if !strings.Contains(string(out), c.want) {
				t.Fatalf("output lacks %q:\n%s", c.want, out)
			}
			if got := queries.Load() - before; got < c.least || got > c.most {
				t.Errorf("%d DNS queries, want %d to %d", got, c.least, c.most)
			}
		})
	}
}

// targetName is the one name the test resolver answers, with 127.0.0.1.
const targetName = "volley-target.test"

// answer is the test resolver's reply to query: an A record for targetName, no records for its
// other types, and nil (no reply: the lookup times out) for any other name.
func answer(query []byte) []byte {
	if len(query) < 12 {
		return nil
	}
	var labels []string
	off := 12
	for off < len(query) && query[off] != 0 {
		n := int(query[off])
		if off+1+n > len(query) {
			return nil
		}
		labels = append(labels, strings.ToLower(string(query[off+1:off+1+n])))
		off += 1 + n
	}
	end := off + 5 // the root label, QTYPE and QCLASS
	if end > len(query) || strings.Join(labels, ".") != targetName {
		return nil
	}
	resp := append([]byte{}, query[:end]...)
	// A response (recursion desired and available, no error) without records, and for type A
	// the one record.
	resp[2], resp[3] = 0x81, 0x80
	clear(resp[6:12])
	if query[off+1] == 0 && query[off+2] == 1 {
		resp[7] = 1
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
	}
	return resp
}
