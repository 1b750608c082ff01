package script

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"

	"volley/internal/report"
)

// The io table: writes to volley's standard output (buffered) and standard error; with
// --allow-read, files read whole at open; with --allow-write, files under the granted
// directories created, written and read back; /dev/urandom and /dev/random as random bytes.
// Standard input is not reachable.
func (s *state) openIO(G *lua.LTable) {
	L := s.L
	lib := L.NewTable()
	s.set(lib, map[string]lua.LGFunction{
		"write":  func(L *lua.LState) int { return s.write(L, s.output, 1, "write") },
		"open":   s.ioOpen,
		"lines":  s.ioLines,
		"close":  s.ioClose,
		"type":   ioType,
		"output": func(L *lua.LState) int { return s.ioDefault(L, &s.output, "output", "w") },
		"input":  func(L *lua.LState) int { return s.ioDefault(L, &s.input, "input", "r") },
		"read": func(L *lua.LState) int {
			if s.input == s.stdin {
				L.RaiseError("%s", sandboxMessage("io.read", "standard input is not readable; read a file with io.open and --allow-read"))
			}
			L.Insert(s.input, 1)
			return s.fileRead(L)
		},
		"flush": func(L *lua.LState) int {
			L.SetTop(0)
			L.Push(s.output)
			return s.fileFlush(L)
		},
	})
	s.fileMeta = lockedMetatable(L)
	methods := L.NewTable()
	s.set(methods, map[string]lua.LGFunction{
		"read":  s.fileRead,
		"lines": s.fileLines,
		"close": s.ioClose, // f.close() without the file closes the default output, as in Lua 5.1
		"seek":  s.fileSeek,
		"write": func(L *lua.LState) int {
			s.checkFile(L, "write")
			return s.write(L, L.Get(1).(*lua.LUserData), 2, "write") //nolint:forcetypeassert // checkFile checked it
		},
		"flush":   s.fileFlush,
		"setvbuf": func(L *lua.LState) int { s.checkFile(L, "setvbuf"); L.Push(lua.LTrue); return 1 },
	})
	s.fileMeta.RawSetString("__index", methods)
	s.fileMeta.RawSetString("__tostring", L.NewFunction(fileTostring))
	std := func(name string, kind fileKind) *lua.LUserData {
		ud := L.NewUserData()
		ud.Value = &luaFile{name: name, kind: kind}
		ud.Metatable = s.fileMeta
		lib.RawSetString(name, ud)
		return ud
	}
	s.stdout, s.stdin = std("stdout", kindStdout), std("stdin", kindStdin)
	std("stderr", kindStderr)
	s.output, s.input = s.stdout, s.stdin
	s.deny(lib, "io")
	G.RawSetString("io", lib)
}

type fileKind uint8

const (
	kindData   fileKind = iota // a file read whole when it was opened
	kindWrite                  // a file under an --allow-write directory
	kindRandom                 // /dev/urandom or /dev/random, served by crypto/rand
	kindStdout
	kindStderr
	kindStdin
)

// luaFile is an open file as a script sees it.
type luaFile struct {
	name   string
	kind   fileKind
	closed bool
	data   string // the contents read (kindData, and kindWrite in an update mode)
	pos    int    // read position in data

	f        *os.File // kindWrite
	buf      []byte   // kindWrite: written, not yet passed to the kernel
	readable bool     // kindWrite: opened in an update mode ("r+", "w+", "a+")
	stale    bool     // kindWrite: written since data was read
	err      error    // kindWrite: the first failed write, returned from then on
}

func (f *luaFile) size() int64 { return int64(len(f.data) + cap(f.buf)) }

// sandboxMessage is how every capability the sandbox leaves out is named.
func sandboxMessage(name, hint string) string {
	msg := name + " is not available in volley's sandbox"
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

// checkFile returns the file argument 1, raising Lua's errors for anything else or a closed file.
func (s *state) checkFile(L *lua.LState, fname string) *luaFile {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if f, ok := ud.Value.(*luaFile); ok {
			if f.closed {
				L.RaiseError("attempt to use a closed file")
			}
			return f
		}
	}
	typeError(L, 1, fname, "file")
	return nil
}

// write writes arguments first.. to the file ud, as file:write and io.write do.
func (s *state) write(L *lua.LState, ud *lua.LUserData, first int, fname string) int {
	f, _ := ud.Value.(*luaFile)
	if f.closed {
		L.RaiseError("%s: the file is closed", fname)
	}
	var err error
	for i := first; i <= L.GetTop() && err == nil; i++ {
		v := L.Get(i)
		if str, ok := v.(lua.LString); ok {
			s.work(len(str)) // copied into a buffer, whichever the file
		} else if _, ok := v.(lua.LNumber); !ok {
			typeError(L, i, fname, "string")
		}
		switch f.kind {
		case kindStdout:
			s.out = appendArg(s.out, v)
			s.flushIfLarge()
		case kindStderr:
			s.m.errOut.write([]byte(report.EscapeLines(string(appendArg(nil, v)))))
		case kindWrite:
			n := len(f.buf)
			f.buf = appendArg(f.buf, v)
			if s.m.written.Add(int64(len(f.buf)-n)) > s.m.maxWrite {
				f.buf = f.buf[:n]
				L.RaiseError("%s: the script wrote more than %s to files (the cap of a run)", fname, mib(s.m.maxWrite))
			}
			f.stale = true
			if len(f.buf) >= flushAt {
				err = f.flush(false)
			}
		default:
			return ioFailure(L, f.name, syscall.EBADF)
		}
	}
	if err != nil {
		return ioFailure(L, f.name, err)
	}
	L.Push(ud)
	return 1
}

// appendArg appends a string or number argument of write, as Lua writes it.
func appendArg(dst []byte, v lua.LValue) []byte {
	if n, ok := v.(lua.LNumber); ok {
		return appendNumber(dst, float64(n))
	}
	return append(dst, v.(lua.LString)...) //nolint:forcetypeassert // write checked the type
}

// ioFailure returns Lua's (nil, message) for a failed operation.
func ioFailure(L *lua.LState, name string, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(ioMessage(name, err)))
	return 2
}

// ioMessage is Lua's message for a failed operation on a file: "name: reason".
func ioMessage(name string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return name + ": " + err.Error()
}

// maxHeldLine bounds what flush keeps back waiting for the end of a line.
const maxHeldLine = 1 << 20

// flush passes buffered writes to the kernel. Unless all is set, it writes whole lines only:
// every write is an append (O_APPEND, atomic on a local file system), so lines written by
// several states to the same file never interleave.
func (f *luaFile) flush(all bool) error {
	if f.err != nil {
		return f.err // what was buffered when the write failed is lost: say so every time
	}
	n := len(f.buf)
	if !all {
		n = bytes.LastIndexByte(f.buf, '\n') + 1
		if n == 0 && len(f.buf) >= maxHeldLine {
			n = len(f.buf)
		}
	}
	if n == 0 {
		return nil
	}
	_, f.err = f.f.Write(f.buf[:n])
	f.buf = f.buf[:copy(f.buf, f.buf[n:])]
	if cap(f.buf) > 4*flushAt && len(f.buf) < flushAt {
		f.buf = append([]byte(nil), f.buf...)
	}
	return f.err
}

// closeFile flushes and closes a file open for writing.
func (s *state) closeFile(f *luaFile) error {
	err := f.flush(true)
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	f.closed, f.data, f.buf, f.f = true, "", nil, nil
	s.m.openFiles.Add(-1)
	for i, g := range s.files {
		if g == f {
			s.files = append(s.files[:i], s.files[i+1:]...)
			break
		}
	}
	return err
}

// flushFiles writes out what this state's open files buffer.
func (s *state) flushFiles() {
	for _, f := range s.files {
		_ = f.flush(true) // an error shows at the script's next write, flush or close
	}
}

// closeFiles closes this state's open files at the end of the run.
// A failure is written to stderr: the script is no longer there to see it.
func (s *state) closeFiles() {
	for len(s.files) > 0 {
		f := s.files[0]
		if err := s.closeFile(f); err != nil {
			s.m.errOut.write([]byte(clean("volley: "+s.m.name+": "+ioMessage(f.name, err)) + "\n"))
		}
	}
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

// openMode parses a Lua 5.1 fopen mode: r, w or a, then at most one "+" and one "b".
func openMode(mode string) (c byte, update, ok bool) {
	if mode == "" || strings.IndexByte("rwa", mode[0]) < 0 {
		return 0, false, false
	}
	rest := mode[1:]
	update = strings.Contains(rest, "+")
	if len(rest) > 2 || strings.Count(rest, "+") > 1 || strings.Count(rest, "b") > 1 || strings.Trim(rest, "+b") != "" {
		return 0, false, false
	}
	return mode[0], update, true
}

// open opens path in mode for io.open, io.lines, io.input and io.output. A refusal by policy
// is raised, naming the flag; an I/O error is returned for the caller to report Lua's way.
func (s *state) open(L *lua.LState, fname, path, mode string) (*lua.LUserData, error) {
	c, update, ok := openMode(mode)
	if !ok {
		argError(L, 2, fname, "invalid mode "+quoteName(mode))
	}
	f := &luaFile{name: path}
	switch {
	case c == 'r' && !update && isRandomDevice(path):
		f.kind = kindRandom
	case c == 'r' && !update:
		data, err := s.m.readFile(path, false)
		if errors.Is(err, errDenied) {
			L.RaiseError("%s: reading %s needs --allow-read", fname, quoteName(path))
		}
		if err != nil {
			return nil, err
		}
		f.data = data
	default:
		if s.m.openFiles.Add(1) > maxOpenFiles {
			s.m.openFiles.Add(-1)
			return nil, errors.New("too many open files (a run may keep " + strconv.Itoa(maxOpenFiles) + " open for writing)")
		}
		file, err := s.m.openWrite(path, c == 'w', c != 'r', update)
		if err != nil {
			s.m.openFiles.Add(-1)
			if errors.Is(err, errDenied) {
				L.RaiseError("%s: writing %s needs --allow-write with a directory that holds it", fname, quoteName(path))
			}
			return nil, err
		}
		f.kind, f.f, f.readable, f.stale = kindWrite, file, update, true
		s.files = append(s.files, f)
	}
	ud := L.NewUserData()
	ud.Value = f
	ud.Metatable = s.fileMeta
	return ud, nil
}

func (s *state) ioOpen(L *lua.LState) int {
	path := checkString(L, 1, "open")
	ud, err := s.open(L, "io.open", path, optString(L, 2, "open", "r"))
	if err != nil {
		return ioFailure(L, path, err)
	}
	L.Push(ud)
	return 1
}

// ioDefault is io.output and io.input: with a file or a path, make it the default; return the
// default.
func (s *state) ioDefault(L *lua.LState, def **lua.LUserData, fname, mode string) int {
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LString, lua.LNumber:
		ud, err := s.open(L, "io."+fname, checkString(L, 1, fname), mode)
		if err != nil {
			L.RaiseError("%s", ioMessage(checkString(L, 1, fname), err))
		}
		*def = ud
	default:
		s.checkFile(L, fname)
		*def = v.(*lua.LUserData) //nolint:forcetypeassert // checkFile checked it
	}
	L.Push(*def)
	return 1
}

func (s *state) ioLines(L *lua.LState) int {
	var f *luaFile
	closeAtEnd := false
	ud := s.input
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		if s.input == s.stdin {
			L.RaiseError("%s", sandboxMessage("io.lines()", "standard input is not readable; give io.lines a file name and --allow-read"))
		}
		f = s.input.Value.(*luaFile) //nolint:forcetypeassert // only files are kept as the default input
	} else {
		path := checkString(L, 1, "lines")
		var err error
		ud, err = s.open(L, "io.lines", path, "r")
		if err != nil {
			L.RaiseError("%s", ioMessage(path, err))
		}
		f, closeAtEnd = ud.Value.(*luaFile), true //nolint:forcetypeassert // open made it
	}
	L.Push(L.NewClosure(func(L *lua.LState) int {
		if f.closed {
			if closeAtEnd {
				return 0
			}
			L.RaiseError("file is already closed")
		}
		line, ok := s.readLine(L, f, false)
		if !ok {
			if closeAtEnd {
				f.closed, f.data = true, ""
			}
			return 0
		}
		L.Push(lua.LString(line))
		return 1
	}, ud)) // an upvalue, so that measuring the state sees the file's data
	return 1
}

func (s *state) ioClose(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.Push(s.output)
	}
	return s.fileClose(L)
}

func (s *state) fileClose(L *lua.LState) int {
	f := s.checkFile(L, "close")
	switch f.kind {
	case kindStdout, kindStderr, kindStdin:
		L.Push(lua.LNil)
		L.Push(lua.LString("cannot close standard file"))
		return 2
	case kindWrite:
		if err := s.closeFile(f); err != nil {
			return ioFailure(L, f.name, err)
		}
	default:
		f.closed, f.data = true, ""
	}
	L.Push(lua.LTrue)
	return 1
}

func (s *state) fileFlush(L *lua.LState) int {
	f := s.checkFile(L, "flush")
	switch f.kind {
	case kindStdout:
		s.flush()
	case kindWrite:
		if err := f.flush(true); err != nil {
			return ioFailure(L, f.name, err)
		}
	}
	L.Push(L.Get(1))
	return 1
}

// readyToRead makes f's data current for a read, or says why it cannot be read.
func (s *state) readyToRead(L *lua.LState, f *luaFile) {
	switch f.kind {
	case kindStdout, kindStderr:
		L.RaiseError("%s cannot be read", f.name)
	case kindStdin:
		L.RaiseError("%s", sandboxMessage("reading standard input", "read a file with io.open and --allow-read"))
	case kindWrite:
		if !f.readable {
			L.RaiseError("%s was opened for writing only (read it back with an update mode such as \"a+\")", quoteName(f.name))
		}
		if f.stale {
			data, err := "", f.flush(true)
			if err == nil {
				data, err = readRegular(f.f, s.m.readLimit())
			}
			if err != nil {
				L.RaiseError("%s: %s", f.name, pathError(err))
			}
			f.data, f.stale = data, false
			f.pos = min(f.pos, len(data))
		}
	}
}

// randomBytes returns n bytes from crypto/rand, within the string size cap.
func (s *state) randomBytes(L *lua.LState, n int) string {
	s.checkSize(L, n)
	b := make([]byte, n)
	for i := 0; i < n; i += workStep {
		_, _ = rand.Read(b[i:min(i+workStep, n)]) // crypto/rand.Read never fails (it crashes the program instead)
		s.work(min(workStep, n-i))
	}
	return string(b)
}

// maxRandomLine bounds a line read from the random device.
const maxRandomLine = 4096

func (s *state) readLine(L *lua.LState, f *luaFile, keepNewline bool) (string, bool) {
	if f.kind == kindRandom {
		b := []byte(s.randomBytes(L, maxRandomLine))
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[:i+1]
			if !keepNewline {
				b = b[:i]
			}
		}
		return string(b), true
	}
	s.readyToRead(L, f)
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

// fileRead is file:read with Lua 5.1's formats: a byte count, or "*n", "*a", "*l", "*L" (only
// the letter after "*" counts, so "*number", "*all" and "*line" work too).
func (s *state) fileRead(L *lua.LState) int {
	f := s.checkFile(L, "read")
	s.readyToRead(L, f)
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
			case f.kind == kindRandom:
				v = lua.LString(s.randomBytes(L, max(k, 0)))
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
			format := strings.TrimPrefix(string(arg), "*")
			if format == "" {
				argError(L, i, "read", "invalid format")
			}
			switch format[0] {
			case 'a':
				if f.kind == kindRandom {
					L.RaiseError("%s never ends: read it by a number of bytes", f.name)
				}
				v = lua.LString(f.data[f.pos:])
				f.pos = len(f.data)
			case 'l', 'L':
				if line, ok := s.readLine(L, f, format[0] == 'L'); ok {
					v = lua.LString(line)
				}
			case 'n':
				if f.kind != kindRandom {
					v = f.readNumber()
				}
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
	f := s.checkFile(L, "lines")
	s.readyToRead(L, f)
	ud := L.Get(1)
	L.Push(L.NewClosure(func(L *lua.LState) int {
		if f.closed {
			L.RaiseError("file is already closed")
		}
		line, ok := s.readLine(L, f, false)
		if !ok {
			return 0
		}
		L.Push(lua.LString(line))
		return 1
	}, ud)) // an upvalue, so that measuring the state sees the file's data
	return 1
}

func (s *state) fileSeek(L *lua.LState) int {
	f := s.checkFile(L, "seek")
	if f.kind == kindRandom {
		L.Push(lua.LNumber(0))
		return 1
	}
	if f.kind == kindWrite && !f.readable {
		// Writes always go to the end: the position is the file's size.
		if err := f.flush(true); err != nil {
			return ioFailure(L, f.name, err)
		}
		st, err := f.f.Stat()
		if err != nil {
			return ioFailure(L, f.name, err)
		}
		L.Push(lua.LNumber(st.Size()))
		return 1
	}
	s.readyToRead(L, f)
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
