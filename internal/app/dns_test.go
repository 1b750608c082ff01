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
	for _, args := range [][]string{{"netns", "add", ns}, {"netns", "exec", ns, "ip", "link", "set", "lo", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
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
			if _, _, err := resolver.ReadFrom(buf); err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Error(err)
				}
				return
			}
			queries.Add(1) // never answered: the lookup times out after a second
		}
	}()

	bin := buildBinary(t)
	lookup := `wrk.lookup("leak.example", "80")`
	cases := []struct {
		name, src string
		grant     bool
		want      string // in stderr
	}{
		{"main chunk", lookup, false, `wrk.lookup: "leak.example" is not the target`},
		{"setup", `function setup(thread) ` + lookup + ` end`, false, "grant it with --allow-net leak.example"},
		{"init", `function init(args) ` + lookup + ` end`, false, "--allow-net leak.example"},
		{"request", `function request() ` + lookup + ` return wrk.format() end`, false, "--allow-net leak.example"},
		{"done", `function done() ` + lookup + ` end`, false, "--allow-net leak.example"},
		{"main chunk, granted", lookup, true, `wrk.lookup: cannot resolve "leak.example"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := queries.Load()
			args := []string{"netns", "exec", ns, bin, "-t1", "-c1", "-d200ms", "--quiet", "-s", writeScript(t, c.src)}
			if c.grant {
				args = append(args, "--allow-net", "leak.example")
			}
			out, _ := exec.Command("ip", append(args, srv.URL()+"/")...).CombinedOutput()
			if !strings.Contains(string(out), c.want) {
				t.Fatalf("output lacks %q:\n%s", c.want, out)
			}
			got := queries.Load() - before
			if c.grant && got == 0 {
				t.Errorf("granted: the resolver saw no query, so this test cannot see one")
			}
			if !c.grant && got != 0 {
				t.Errorf("%d DNS queries left for a name that was not granted", got)
			}
		})
	}
}
