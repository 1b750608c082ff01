package engine

import _ "unsafe" // for go:linkname

// nanotime is the runtime's monotonic clock: one vDSO read, where time.Now reads the wall clock
// too. The engine reads the clock twice per request.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
