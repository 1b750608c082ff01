package script

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// maxFileSize caps one file read by io.open or io.lines; the contents are
// held in memory and count toward the memory quota.
const maxFileSize = 64 << 20

// The io table offers buffered writes to volley's standard output and, with
// --allow-read, whole-file reads of regular files under the allowed roots.
// Nothing can be written to a file, and standard input is not reachable.
func (s *state) openIO(G *lua.LTable) {
	L := s.L
	lib := L.NewTable()
	s.set(lib, map[string]lua.LGFunction{
		"write": func(L *lua.LState) int { return s.write(L, 1, "write") },
		"open":  s.ioOpen,
		"lines": s.ioLines,
		"close": s.ioClose,
		"type":  ioType,
	})
	s.fileMeta = lockedMetatable(L)
	methods := L.NewTable()
	s.set(methods, map[string]lua.LGFunction{
		"read":  s.fileRead,
		"lines": s.fileLines,
		"close": s.fileClose,
		"seek":  s.fileSeek,
		"write": func(L *lua.LState) int {
			if _, ok := checkFile(L, "write"); !ok {
				L.RaiseError("file is not writable: scripts can only write to standard output")
			}
			return s.write(L, 2, "write")
		},
		"flush": func(L *lua.LState) int { L.Push(L.Get(1)); return 1 },
	})
	s.fileMeta.RawSetString("__index", methods)
	s.fileMeta.RawSetString("__tostring", L.NewFunction(fileTostring))
	s.stdout = L.NewUserData()
	s.stdout.Value = &luaFile{name: "stdout", stdout: true}
	s.stdout.Metatable = s.fileMeta
	lib.RawSetString("stdout", s.stdout)
	G.RawSetString("io", lib)
}

// luaFile is an open file: its whole contents, read at open time.
type luaFile struct {
	name   string
	data   string
	pos    int
	closed bool
	stdout bool
}

func (f *luaFile) size() int64 { return int64(len(f.data)) }

func (s *state) write(L *lua.LState, first int, fname string) int {
	for i := first; i <= L.GetTop(); i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			s.out = append(s.out, v...)
		case lua.LNumber:
			s.out = appendNumber(s.out, float64(v))
		default:
			typeError(L, i, fname, "string")
		}
		s.flushIfLarge()
	}
	L.Push(s.stdout)
	return 1
}

func checkFile(L *lua.LState, fname string) (*luaFile, bool) {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if f, ok := ud.Value.(*luaFile); ok {
			if f.closed {
				L.RaiseError("attempt to use a closed file")
			}
			return f, f.stdout
		}
	}
	typeError(L, 1, fname, "file")
	return nil, false
}

func fileTostring(L *lua.LState) int {
	f, _ := L.Get(1).(*lua.LUserData).Value.(*luaFile)
	switch {
	case f == nil:
		L.Push(lua.LString("file"))
	case f.closed:
		L.Push(lua.LString("file (closed)"))
	default:
		L.Push(lua.LString("file (" + f.name + ")"))
	}
	return 1
}

func ioType(L *lua.LState) int {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if f, ok := ud.Value.(*luaFile); ok {
			if f.closed {
				L.Push(lua.LString("closed file"))
			} else {
				L.Push(lua.LString("file"))
			}
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

// errDenied marks a read refused by policy, as opposed to an I/O error.
var errDenied = errors.New("denied")

// readFile reads a whole regular file under one of the --allow-read roots.
// Symlinks are resolved before the check, so none can lead outside a root;
// devices, FIFOs, sockets and directories are refused without being opened
// for reading (a FIFO would block), and files past maxFileSize are refused.
func (m *Main) readFile(path string) (string, error) {
	if len(m.roots) == 0 {
		return "", errDenied
	}
	abs, err := filepath.Abs(path)
	if err != nil || !m.allowed(abs) {
		return "", errDenied
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	if !m.allowed(real) {
		return "", errDenied
	}
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // opened read-only: a failed close loses nothing
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	limit := min(int64(maxFileSize), int64(m.maxString))
	if st.Size() > limit {
		return "", errors.New("file is larger than " + mib(limit))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(data)) > limit {
		return "", errors.New("file is larger than " + mib(limit))
	}
	return string(data), nil
}

// allowed reports whether path is one of the roots or inside one.
func (m *Main) allowed(path string) bool {
	for _, r := range m.roots {
		if path == r || strings.HasPrefix(path, strings.TrimSuffix(r, string(filepath.Separator))+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// open reads path for io.open or io.lines; a policy refusal is raised, an
// I/O error returned for the caller to report Lua's way.
func (s *state) open(L *lua.LState, fname, path string) (*lua.LUserData, string) {
	data, err := s.m.readFile(path)
	if errors.Is(err, errDenied) {
		L.RaiseError("%s: reading %s needs --allow-read", fname, quoteName(path))
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, path + ": " + err.Error()
	}
	ud := L.NewUserData()
	ud.Value = &luaFile{name: path, data: data}
	ud.Metatable = s.fileMeta
	return ud, ""
}

func (s *state) ioOpen(L *lua.LState) int {
	path := checkString(L, 1, "open")
	switch mode := optString(L, 2, "open", "r"); mode {
	case "r", "rb":
	default:
		L.RaiseError("io.open: mode %s is not allowed: scripts can only read files", quoteName(mode))
	}
	ud, msg := s.open(L, "io.open", path)
	if ud == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	L.Push(ud)
	return 1
}

func (s *state) ioLines(L *lua.LState) int {
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		L.RaiseError("io.lines: reading standard input is not allowed")
	}
	ud, msg := s.open(L, "io.lines", checkString(L, 1, "lines"))
	if ud == nil {
		L.RaiseError("%s", msg)
	}
	f := ud.Value.(*luaFile)
	L.Push(L.NewClosure(func(L *lua.LState) int {
		if f.closed {
			return 0
		}
		line, ok := f.readLine(false)
		if !ok {
			f.closed, f.data = true, ""
			return 0
		}
		L.Push(lua.LString(line))
		return 1
	}, ud)) // an upvalue, so that measuring the state sees the file's data
	return 1
}

func (s *state) ioClose(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.RaiseError("io.close: standard output cannot be closed")
	}
	return s.fileClose(L)
}

func (s *state) fileClose(L *lua.LState) int {
	f, stdout := checkFile(L, "close")
	if stdout {
		L.RaiseError("io.close: standard output cannot be closed")
	}
	f.closed, f.data = true, ""
	L.Push(lua.LTrue)
	return 1
}

func (f *luaFile) readLine(keepNewline bool) (string, bool) {
	if f.pos >= len(f.data) {
		return "", false
	}
	rest := f.data[f.pos:]
	i := strings.IndexByte(rest, '\n')
	if i < 0 {
		f.pos = len(f.data)
		return rest, true
	}
	f.pos += i + 1
	if keepNewline {
		return rest[:i+1], true
	}
	return rest[:i], true
}

func (s *state) fileRead(L *lua.LState) int {
	f, stdout := checkFile(L, "read")
	if stdout {
		L.RaiseError("standard output cannot be read")
	}
	n := L.GetTop()
	if n == 1 {
		L.Push(lua.LString("*l"))
		n = 2
	}
	for i := 2; i <= n; i++ {
		var v lua.LValue = lua.LNil
		switch arg := L.Get(i).(type) {
		case lua.LNumber:
			k := toInt(float64(arg))
			switch {
			case f.pos >= len(f.data) && k > 0, f.pos > len(f.data):
			case k <= 0:
				if f.pos < len(f.data) {
					v = lua.LString("")
				}
			default:
				end := min(f.pos+k, len(f.data))
				v = lua.LString(f.data[f.pos:end])
				f.pos = end
			}
		case lua.LString:
			switch strings.TrimPrefix(string(arg), "*") {
			case "a":
				v = lua.LString(f.data[f.pos:])
				f.pos = len(f.data)
			case "l", "L":
				if line, ok := f.readLine(strings.HasSuffix(string(arg), "L")); ok {
					v = lua.LString(line)
				}
			case "n":
				v = f.readNumber()
			default:
				argError(L, i, "read", "invalid format")
			}
		default:
			argError(L, i, "read", "invalid format")
		}
		L.Push(v)
		if v == lua.LNil {
			return i - 1 // Lua stops at the first failure
		}
	}
	return n - 1
}

// readNumber reads a number after optional whitespace, as fscanf("%lf").
func (f *luaFile) readNumber() lua.LValue {
	i := f.pos
	for i < len(f.data) && strings.IndexByte(" \t\n\r\f\v", f.data[i]) >= 0 {
		i++
	}
	j := i
	for j < len(f.data) && j-i < 200 && strings.IndexByte("0123456789+-.eExXabcdefABCDEF", f.data[j]) >= 0 {
		j++
	}
	for k := j; k > i; k-- {
		if v, ok := parseNumber(f.data[i:k]); ok {
			f.pos = k
			return lua.LNumber(v)
		}
	}
	f.pos = j
	return lua.LNil
}

func (s *state) fileLines(L *lua.LState) int {
	f, stdout := checkFile(L, "lines")
	if stdout {
		L.RaiseError("standard output cannot be read")
	}
	ud := L.Get(1)
	L.Push(L.NewClosure(func(L *lua.LState) int {
		if f.closed {
			L.RaiseError("file is already closed")
		}
		line, ok := f.readLine(false)
		if !ok {
			return 0
		}
		L.Push(lua.LString(line))
		return 1
	}, ud)) // an upvalue, so that measuring the state sees the file's data
	return 1
}

func (s *state) fileSeek(L *lua.LState) int {
	f, stdout := checkFile(L, "seek")
	if stdout {
		L.RaiseError("standard output cannot be sought")
	}
	base := 0
	switch whence := optString(L, 2, "seek", "cur"); whence {
	case "set":
	case "cur":
		base = f.pos
	case "end":
		base = len(f.data)
	default:
		argError(L, 2, "seek", "invalid option "+quoteName(whence))
	}
	pos := base + optInt(L, 3, "seek", 0)
	if pos < 0 {
		L.Push(lua.LNil)
		L.Push(lua.LString("Invalid argument"))
		return 2
	}
	f.pos = min(pos, len(f.data))
	L.Push(lua.LNumber(f.pos))
	return 1
}
