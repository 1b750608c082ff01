package script

import (
	"time"

	"golang.org/x/sys/unix"
)

// cpuClock names what call time limits measure, for messages and docs.
const cpuClock = "CPU time"

// currentThread returns the id of the OS thread running the caller, which
// must be locked to it (runtime.LockOSThread) for the id to stay true.
func currentThread() int32 {
	return int32(unix.Gettid()) //nolint:gosec // G115: Linux thread ids are below 2^22 (pid_max)
}

// threadCPU returns the CPU time OS thread tid of this process has used. Any
// thread may read another's CPU-time clock: its id is the kernel's
// MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), as glibc's pthread_getcpuclockid
// builds it. One read is a system call (about 0.3-2 µs), which is why the
// watchdog, not the thread running Lua, reads it.
func threadCPU(tid int32) (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(^tid<<3|6, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// ownCPU returns the CPU time the calling OS thread has used.
func ownCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) // cannot fail for the calling thread
	return time.Duration(ts.Nano())
}
