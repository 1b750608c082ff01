package report

import (
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A pipe is not a terminal, a Linux pseudo-terminal is.
func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, r)
	closeLater(t, w)
	if IsTerminal(w) || IsTerminal(&lockedBuffer{}) || IsTerminal((*os.File)(nil)) {
		t.Error("a pipe, a buffer or nil is a terminal")
	}
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to test with: %v", err)
	}
	closeLater(t, ptmx)
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("cannot unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("no pseudo-terminal number: %v", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("cannot open the pseudo-terminal: %v", err)
	}
	closeLater(t, pts)
	if !IsTerminal(pts) {
		t.Error("a pseudo-terminal is not a terminal")
	}
}

func closeLater(t *testing.T, c io.Closer) {
	t.Cleanup(func() { _ = c.Close() })
}
