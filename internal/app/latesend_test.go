package app

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A rate-mode run whose process is stopped across the deadline still sends, once it runs again,
// every request the schedule had due before the deadline: -R 400 -d 2s is 800 requests however
// late the generator is. Before, the requests due in the last half second were dropped (about
// 200 of them: the drain began at the first look at the clock after the deadline).
func TestRateSendsWhatWasDueAfterALateEnd(t *testing.T) {
	srv := startTarget(t)
	bin := buildBinary(t)
	cmd := exec.Command(bin, "-t2", "-c8", "-R", "400", "-d", "2s", "--quiet", srv.URL()+"/")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the run started after its setup; it is now in its last half
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // past the deadline, whenever the run began
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("volley: %v", err)
	}
	const want = 800
	if got := srv.Requests(); got < want*99/100 || got > want {
		t.Fatalf("the target received %d requests, want %d (-R 400 -d 2s)", got, want)
	}
}
