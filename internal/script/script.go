// Package script runs wrk's Lua scripts in a sandbox (gopher-lua): one main
// state for setup() and done(), one state per thread for init(), delay(),
// request() and response(). Every call into Lua goes through one guarded
// entry point (state.pcall) that enforces a time limit per call and a memory
// quota for all states together, and turns failures into one-line errors
// ("script.lua:12: message"). See docs/scripting.md.
package script

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"volley/internal/h1"
	"volley/internal/netpolicy"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Target is the URL under test, as the wrk table shows it.
type Target struct {
	Scheme, Host, Port string // Port is "" when the URL has none
	Path               string // path and query, "/" when empty
	Headers            []h1.Field
	URL                string
}

// Options configure a script.
type Options struct {
	Path   string // the script file, also its name in messages
	Source []byte // the script itself; read from Path when nil

	Args       []string // init(args): args[0] is the URL, then the user's arguments
	AllowRead  []string // files, and directories under which, io.open, io.lines and require may read (--allow-read)
	AllowWrite []string // directories under which io.open may create and write files (--allow-write)
	AllowEnv   []string // environment variables os.getenv returns: NAME, or PREFIX* (--allow-env)
	MaxWrite   int64    // bytes all file writes of the run may add together; 0 is DefaultMaxWrite
	Target     Target
	// Net is what wrk.lookup, wrk.connect and thread.addr may reach: the target, and what
	// --allow-net grants. nil grants nothing.
	Net *netpolicy.Policy
	// MaxRequestBytes bounds what request() returns and what wrk.format and the wrk table
	// build (--max-request-bytes); 0 means DefaultMaxRequestBytes.
	MaxRequestBytes int

	HookTimeout  time.Duration // time limit of one request(), response() or delay() call
	SetupTimeout time.Duration // time limit of loading the script (the main chunk in every state, setup(), init()) together, and of done()
	MemoryLimit  int64         // bytes of script state, all states together
	Stdout       io.Writer     // print and io.write, buffered
	Stderr       io.Writer     // io.stderr and the sandbox's warnings (an os.getenv not granted)

	// Interrupt, once closed (SIGINT), stops the calls running and refuses
	// those that follow, except done(): wrk runs done() after an interrupted
	// run, so Done runs; an interrupt that comes while it runs stops it.
	Interrupt <-chan struct{}
}

// Defaults for zero Options fields.
const (
	DefaultHookTimeout     = 100 * time.Millisecond
	DefaultSetupTimeout    = 10 * time.Second
	DefaultMemoryLimit     = 256 << 20
	DefaultMaxRequestBytes = 4 << 20
	maxSourceSize          = 16 << 20
)

// setupBudget, as a call's limit, is what is left of SetupTimeout: the main chunk in every
// state, setup() and init() share it (CPU time, summed over their calls), so that no
// arrangement of slow phases and threads can hold a run back longer than SetupTimeout of
// CPU time, or its wall-clock backstop, before it starts.
const setupBudget time.Duration = -1

// Main is a loaded script: its compiled code and the main Lua state.
type Main struct {
	opts      Options
	setupEnd  time.Time // the wall-clock backstop of the setup budget
	name      string
	proto     *lua.FunctionProto
	grants    *grants
	maxString int
	maxWrite  int64
	main      *state
	wd        *watchdog
	out       output
	errOut    output

	written   atomic.Int64 // bytes written to files, all states together
	openFiles atomic.Int64 // files open for writing, all states together
	envMu     sync.Mutex
	envWarned map[string]bool // os.getenv names already warned about
	modules   moduleCache

	liveAtWalk   atomic.Uint64 // the live heap at the last measurement of a state
	allocsAtWalk atomic.Uint64 // bytes the program had allocated then
	otherAtWalk  atomic.Int64  // what the rest of the program held then: the live heap less all states

	setupUsed   atomic.Int64 // CPU time the setup budget's calls have used, in nanoseconds
	interrupted atomic.Bool  // Options.Interrupt was closed
	finishing   atomic.Bool  // Done has started

	mu      sync.Mutex
	states  atomic.Pointer[[]*state]
	threads []*Thread
	closed  bool
}

// state is one Lua state and what the sandbox keeps beside it.
type state struct {
	m         *Main
	L         *lua.LState
	g         guard
	thread    *Thread // nil in the main state
	wrk       *lua.LTable
	rng       *rand.Rand
	out       []byte         // print and io.write to stdout, not yet written
	output    *lua.LUserData // io.output(), io.write's file
	input     *lua.LUserData // io.input(), io.read's file
	stdin     *lua.LUserData
	files     []*luaFile     // files open for writing
	loaded    *lua.LTable    // package.loaded
	jsonNull  *lua.LUserData // the JSON modules' null, one for all of them
	steps     int            // pattern matching steps allowed per builtin call, by time limit
	worked    int            // bytes of builtin work since the last poll for a stop (see work)
	pollSeq   uint64         // the call (guard.seq) that firstPoll belongs to
	firstPoll time.Duration  // the thread's CPU time at that call's start, or at work's first poll in it
	concatFn  *lua.LFunction
	fileMeta  *lua.LTable
	stdout    *lua.LUserData
	addrMeta  *lua.LTable
	thrMeta   *lua.LTable
	thrFuncs  map[string]lua.LValue
	fields    []h1.Field // wrk.format scratch
	samples   []metrics.Sample
}

// output serializes writes of the states' buffers to Options.Stdout.
type output struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (o *output) write(p []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		_, o.err = o.w.Write(p)
	}
}

func (s *state) flush() {
	if len(s.out) > 0 {
		s.m.out.write(s.out)
		s.out = s.out[:0]
	}
	if cap(s.out) > 4*flushAt {
		s.out = nil
	}
}

// flushLines writes out the complete lines in the buffer, after each hook call: what a script
// prints shows as it happens, as wrk's print does on a terminal (C's stdio is line-buffered
// there), while a hook that printed nothing costs one length check.
func (s *state) flushLines() {
	if len(s.out) == 0 {
		return
	}
	i := bytes.LastIndexByte(s.out, '\n')
	if i < 0 {
		s.flushIfLarge()
		return
	}
	s.m.out.write(s.out[:i+1])
	s.out = append(s.out[:0], s.out[i+1:]...)
}

func (s *state) flushIfLarge() {
	if len(s.out) >= flushAt {
		s.flush()
	}
}

// Load compiles the script and runs it in the main state.
func Load(o Options) (*Main, error) {
	if o.HookTimeout <= 0 {
		o.HookTimeout = DefaultHookTimeout
	}
	if o.SetupTimeout <= 0 {
		o.SetupTimeout = DefaultSetupTimeout
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.MaxWrite <= 0 {
		o.MaxWrite = DefaultMaxWrite
	}
	m := &Main{opts: o, name: o.Path, setupEnd: time.Now().Add(backstop(o.SetupTimeout))}
	if m.name == "" {
		m.name = "script.lua"
	}
	m.maxString = int(max(min(o.MemoryLimit/4, 1<<30), 1<<20))
	m.out.w, m.errOut.w, m.maxWrite = o.Stdout, o.Stderr, o.MaxWrite
	m.states.Store(&[]*state{})
	src := o.Source
	if src == nil {
		var err error
		if src, err = readSource(o.Path); err != nil {
			return nil, err
		}
	}
	proto, err := compile(m.name, src)
	if err != nil {
		return nil, err
	}
	if m.grants, err = openGrants(&o); err != nil {
		return nil, err
	}
	m.proto = proto
	live, allocs := readHeap(heapSamples())
	m.liveAtWalk.Store(live)
	m.allocsAtWalk.Store(allocs)
	m.wd = newWatchdog(m)
	s, err := m.newState(nil)
	if err == nil {
		m.main = s
		err = s.run()
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func readSource(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, newError(ErrPermission, "-s/--script "+path+": "+pathError(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a failed close loses nothing
	src, err := io.ReadAll(io.LimitReader(f, maxSourceSize+1))
	if err != nil {
		return nil, newError(ErrPermission, "-s/--script "+path+": "+pathError(err))
	}
	if len(src) > maxSourceSize {
		return nil, newError(ErrScript, path+": script is larger than "+mib(maxSourceSize))
	}
	return src, nil
}

func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// compile parses the script, rewrites it for the sandbox and compiles it
// once; every state runs the same prototype.
func compile(name string, src []byte) (proto *lua.FunctionProto, err error) {
	defer func() {
		if r := recover(); r != nil {
			proto, err = nil, newError(ErrScript, name+": cannot compile the script")
		}
	}()
	if len(src) > 0 && src[0] == 0x1b { // Lua's bytecode signature starts with ESC
		return nil, newError(ErrScript, name+": precompiled bytecode is not accepted; load the Lua source")
	}
	if bytes.HasPrefix(src, []byte("#")) { // a shebang line, skipped as lua(1) does
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			src = append([]byte("--"), src[1:]...)
		} else {
			src = nil
		}
	}
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		return nil, syntaxError(name, src, err)
	}
	if chunk, err = rewriteChunk(chunk); err != nil {
		return nil, newError(ErrScript, name+":"+err.Error())
	}
	proto, err = lua.Compile(chunk, name)
	if err != nil {
		var ce *lua.CompileError
		if errors.As(err, &ce) {
			return nil, newError(ErrScript, name+":"+strconv.Itoa(ce.Line)+": "+ce.Message)
		}
		return nil, newError(ErrScript, name+": "+err.Error())
	}
	return proto, nil
}

func syntaxError(name string, src []byte, err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return newError(ErrScript, name+": "+err.Error())
	}
	if pe.Pos.Line == parse.EOF {
		line := bytes.Count(src, []byte("\n")) + 1
		return newError(ErrScript, name+":"+strconv.Itoa(line)+": "+pe.Message+" near <eof>")
	}
	return newError(ErrScript, name+":"+strconv.Itoa(pe.Pos.Line)+": "+pe.Message+" near "+quoteName(pe.Token))
}

// run executes the compiled chunk in s. The outer function only binds the
// concatenation function and returns the script's body (see rewriteChunk).
func (s *state) run() error {
	L := s.L
	L.Push(L.NewFunctionFromProto(s.m.proto))
	L.Push(s.concatFn)
	if err := s.pcall("the main chunk", setupBudget, 1, 1); err != nil {
		return err
	}
	if err := s.pcall("the main chunk", setupBudget, 0, 0); err != nil {
		return err
	}
	s.flush()
	return s.measure()
}

func (m *Main) addState(s *state) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.states.Load()
	list := make([]*state, len(old), len(old)+1)
	copy(list, old)
	list = append(list, s)
	m.states.Store(&list)
}

func (m *Main) allStates() []*state { return *m.states.Load() }

// scriptBytes is the measured size of all states together.
func (m *Main) scriptBytes() int64 {
	var n int64
	for _, s := range m.allStates() {
		n += s.g.size.Load()
	}
	return n
}

// global returns the function stored in global name of s, or nil.
func (s *state) global(name string) *lua.LFunction {
	fn, _ := s.L.G.Global.RawGetString(name).(*lua.LFunction)
	return fn
}

// roots are values the sandbox holds outside the globals, for measure.
func (s *state) roots() []lua.LValue {
	r := []lua.LValue{s.wrk, s.stdout, s.output, s.input}
	if t := s.thread; t != nil {
		for _, fn := range []*lua.LFunction{t.reqFn, t.respFn, t.delayFn} {
			if fn != nil {
				r = append(r, fn)
			}
		}
		r = append(r, t.last)
	}
	return r
}

// HasDone reports whether the script defines done().
func (m *Main) HasDone() bool { return m.main.global("done") != nil }

// Setup calls setup(thread) in the main state for each thread, if the script
// defines setup. It may change a thread's address and set its globals.
func (m *Main) Setup(threads []*Thread) error {
	s := m.main
	fn := s.global("setup")
	if fn == nil {
		return nil
	}
	defer s.flush()
	for _, t := range threads {
		s.L.Push(fn)
		s.L.Push(t.userdata(s))
		if err := s.pcall("setup()", setupBudget, 1, 0); err != nil {
			return err
		}
	}
	return s.measure()
}

// Close stops the watchdog, writes out buffered output and releases every
// state. The Main and its threads must not be used afterwards.
func (m *Main) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	if m.wd != nil {
		m.wd.close()
	}
	for _, s := range m.allStates() {
		s.flush()
		s.closeFiles()
		s.L.Close()
	}
	if m.grants != nil {
		m.grants.close()
	}
}
