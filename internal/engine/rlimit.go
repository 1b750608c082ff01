package engine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// descriptorsPerThread: the epoll instance and, for TLS, a wake-up eventfd.
const descriptorsPerThread = 2

// reservedDescriptors covers stdio, the Go runtime's poller, the script and output files.
const reservedDescriptors = 64

// LimitError says that the run cannot have the descriptors it needs; the run must not start.
type LimitError struct{ Need, Have uint64 }

func (e *LimitError) Error() string {
	return fmt.Sprintf("%d connections need about %d file descriptors but the limit is %d; raise it (e.g. `ulimit -n %d`, or LimitNOFILE= for a service) or use fewer connections",
		e.Need-reservedDescriptors, e.Need, e.Have, e.Need)
}

// ensureDescriptors raises the soft RLIMIT_NOFILE toward the hard limit so that every connection
// gets a descriptor: wrk instead runs with connections that silently never open.
func ensureDescriptors(connections, threads int) error {
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
		return &LimitError{Need: need, Have: lim.Cur}
	}
	return nil
}
