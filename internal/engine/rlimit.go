package engine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// descriptorsPerThread: the poller and, for TLS, a wake-up (an eventfd; a pipe's two ends on
// macOS, which reservedDescriptors has room for).
const descriptorsPerThread = 2

// reservedDescriptors covers stdio, the Go runtime's poller, the script and output files.
const reservedDescriptors = 64

// LimitError says that the run cannot have the descriptors it needs; the run must not start.
type LimitError struct{ Connections, Need, Have uint64 }

func (e *LimitError) Error() string {
	return fmt.Sprintf("%d connections need about %d file descriptors but the limit is %d; raise it (e.g. `ulimit -n %d`, or LimitNOFILE= for a service) or use fewer connections",
		e.Connections, e.Need, e.Have, e.Need)
}

// EnsureDescriptors raises the soft RLIMIT_NOFILE toward the hard limit so that every connection
// gets a descriptor: wrk instead runs with connections that silently never open.
func EnsureDescriptors(connections, threads int) error {
	need := uint64(connections) + uint64(threads)*descriptorsPerThread + reservedDescriptors //nolint:gosec // G115: Run has checked 1 <= threads <= connections
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("reading the descriptor limit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	want := need
	if want > lim.Max {
		want = lim.Max
	}
	if want > lim.Cur {
		raised := unix.Rlimit{Cur: want, Max: lim.Max}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err == nil {
			lim.Cur = want
		}
	}
	if lim.Cur < need {
		return &LimitError{Connections: uint64(connections), Need: need, Have: lim.Cur} //nolint:gosec // G115: connections ≥ 1, checked by Run
	}
	return nil
}
