package script

import (
	lua "github.com/yuin/gopher-lua"
)

// Approximate sizes in bytes of gopher-lua's objects on a 64-bit Go heap.
const (
	sizeValue     = 16  // an LValue interface in an array slot
	sizeHashEntry = 64  // a hash entry: map slot, key list entry, key index
	sizeTable     = 120 // LTable header and its maps' headers
	sizeFunction  = 80  // LFunction
	sizeUpvalue   = 48
	sizeUserdata  = 48
	sizeString    = 16 // string header; the bytes are added
)

// sizer is implemented by userdata values that hold memory of their own
// (an open file's contents).
type sizer interface{ size() int64 }

// sizeOfState estimates the memory the script holds in s: everything
// reachable from its globals and registry, strings counted once per
// reference. It runs on the state's own goroutine between calls.
func sizeOfState(s *state) int64 {
	w := walker{seen: make(map[any]struct{})}
	w.push(s.L.G.Global)
	w.push(s.L.G.Registry)
	w.push(s.L.GetMetatable(lua.LString("")))
	for _, v := range s.roots() {
		w.push(v)
	}
	for len(w.stack) > 0 {
		v := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.visit(v)
	}
	return w.total + int64(cap(s.out))
}

type walker struct {
	seen  map[any]struct{}
	stack []lua.LValue
	total int64
}

func (w *walker) push(v lua.LValue) {
	switch x := v.(type) {
	case lua.LString:
		w.total += sizeString + int64(len(x))
	case *lua.LTable:
		if x != nil {
			w.mark(x)
		}
	case *lua.LFunction:
		if x != nil {
			w.mark(x)
		}
	case *lua.LUserData:
		if x != nil {
			w.mark(x)
		}
	}
}

func (w *walker) mark(v lua.LValue) {
	if _, ok := w.seen[v]; !ok {
		w.seen[v] = struct{}{}
		w.stack = append(w.stack, v)
	}
}

func (w *walker) visit(v lua.LValue) {
	switch x := v.(type) {
	case *lua.LTable:
		w.total += sizeTable
		w.push(x.Metatable)
		n := x.Len()
		w.total += int64(n) * sizeValue
		x.ForEach(func(k, v lua.LValue) {
			if kn, ok := k.(lua.LNumber); !ok || float64(kn) != float64(int(kn)) || int(kn) < 1 || int(kn) > n {
				w.total += sizeHashEntry
				w.push(k)
			}
			w.push(v)
		})
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
