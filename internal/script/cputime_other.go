//go:build !linux

package script

import "time"

// Elsewhere than Linux one thread cannot read another's CPU-time clock: call
// time limits are measured in wall-clock time (a monotonic clock), as if
// every thread were always running.
const cpuClock = "wall-clock time"

var processStart = time.Now()

func currentThread() int32 { return 0 }

func threadCPU(int32) (time.Duration, bool) { return ownCPU(), true }

func ownCPU() time.Duration { return time.Since(processStart) }
