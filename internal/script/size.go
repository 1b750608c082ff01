package script

import (
	"sync/atomic"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Approximate sizes in bytes of gopher-lua's objects on a 64-bit Go heap,
// the same the VM charges as it makes them (gopher-lua, volley patch 7),
// checked against the heap in TestSizeOfStateFollowsTheHeap.
const (
	sizeValue    = lua.SizeValue
	sizeTable    = lua.SizeTable
	sizeFunction = lua.SizeFunction
	sizeUpvalue  = lua.SizeUpvalue
	sizeUserdata = lua.SizeUserData
	sizeString   = 32 // the string header an LValue boxes, and its allocation; the bytes are added
	// sizeHashEntry is one entry of a full hash part, for bounds that count
	// entries (thread:get/set copies).
	sizeHashEntry = lua.SizeMapSlot + sizeValue
	// Strings of this size or more are counted once however many values
	// refer to them (a response body kept in many places is one string).
	sharedString = 1 << 10
)

// sizer is implemented by userdata values that hold memory of their own
// (an open file's contents).
type sizer interface{ size() int64 }

// sizeOfState estimates the memory the script holds in s: everything
// reachable from its globals and registry, strings counted once per
// reference. It runs on the state's own goroutine between calls.
func sizeOfState(s *state) int64 {
	w := walker{epoch: walkEpoch.Add(1), strings: make(map[*byte]struct{})}
	w.push(s.L.G.Global)
	w.push(s.L.G.Registry)
	w.push(s.L.GetMetatable(lua.LString("")))
	for _, v := range s.roots() {
		w.push(v)
	}
	s.L.StackValues(w.push) // during a call, its locals
	for len(w.stack) > 0 {
		v := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.visit(v)
	}
	return w.total + int64(cap(s.out))
}

// walkEpoch numbers the walks: an object marked with the current walk's
// number has been counted (see the patched LTable.Visit).
var walkEpoch atomic.Uint32

type walker struct {
	epoch   uint32
	strings map[*byte]struct{}
	stack   []lua.LValue // objects reached below maxWalkDepth, to visit
	depth   int
	total   int64
}

// maxWalkDepth bounds the recursion of a walk: objects are visited as they
// are reached, so that a table of a million closures needs no list of them
// (16 MiB, garbage at each measurement), and those reached deeper than this
// wait on the walker's stack, so that a long chain of tables needs no deep
// goroutine stack either.
const maxWalkDepth = 64

func (w *walker) push(v lua.LValue) {
	switch x := v.(type) {
	case lua.LString:
		w.str(string(x))
	case *lua.LTable:
		if x != nil && x.Visit(w.epoch) {
			w.reach(x)
		}
	case *lua.LFunction:
		if x != nil && x.Visit(w.epoch) {
			w.reach(x)
		}
	case *lua.LUserData:
		if x != nil && x.Visit(w.epoch) {
			w.reach(x)
		}
	}
}

func (w *walker) reach(v lua.LValue) {
	if w.depth >= maxWalkDepth {
		w.stack = append(w.stack, v)
		return
	}
	w.depth++
	w.visit(v)
	w.depth--
}

func (w *walker) str(s string) {
	if len(s) >= sharedString {
		p := unsafe.StringData(s) //nolint:gosec // G103: the address only identifies the string; it is never dereferenced
		if _, ok := w.strings[p]; ok {
			w.total += sizeString
			return
		}
		w.strings[p] = struct{}{}
	}
	// The heap rounds small allocations up to 8 or 16 bytes.
	w.total += sizeString + int64((len(s)+15)&^15)
}

func (w *walker) visit(v lua.LValue) {
	switch x := v.(type) {
	case *lua.LTable:
		// What the table has room for, not only what it holds: an emptied
		// array part or deleted keys awaiting compaction are memory too.
		arraySlots, hashKeys := x.Capacity()
		w.total += sizeTable + int64(arraySlots)*sizeValue + lua.SizeHash(hashKeys)
		w.push(x.Metatable)
		x.Contents(w.push)
	case *lua.LFunction:
		w.total += sizeFunction + int64(len(x.Upvalues))*sizeUpvalue
		w.push(x.Env)
		for _, uv := range x.Upvalues {
			if uv != nil {
				w.push(uv.Value())
			}
		}
		// Prototypes are compiled once per script and shared by all
		// states: they are the script's code, not its state.
	case *lua.LUserData:
		w.total += sizeUserdata
		w.push(x.Metatable)
		w.push(x.Env)
		if sz, ok := x.Value.(sizer); ok {
			w.total += sz.size()
		}
	}
}
