package script

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// What a script may reach on the file system. Every directory the user grants is opened once,
// at Load, as an os.Root: each later open resolves its path beneath that directory descriptor
// one component at a time, so neither "..", nor a symlink, nor a directory swapped for a symlink
// while the run goes on can lead outside it. There is no check-then-open window.

// Limits on files.
const (
	maxFileSize  = 64 << 20 // one file read whole (io.open, io.lines, a module)
	maxOpenFiles = 256      // files open for writing at once, all states together
	// DefaultMaxWrite is what all file writes of a run may add together.
	DefaultMaxWrite = 1 << 30
)

// dirGrant is a directory the user granted, open as an os.Root, under the names by which a
// script may reach it: the path as given (absolute, cleaned) and with its symlinks resolved.
type dirGrant struct {
	names []string
	root  *os.Root
}

// fileGrant is a single file granted with --allow-read FILE, open since Load: it is read with
// pread from this descriptor, so what the name points to later does not matter.
type fileGrant struct {
	names []string
	f     *os.File
}

// grants are the file system capabilities of a script.
type grants struct {
	read      []dirGrant
	readFiles []fileGrant
	write     []dirGrant
	scriptDir *dirGrant // Lua source modules beside the script: *.lua files, none hidden
}

// errDenied marks a path refused by policy, as opposed to an I/O error.
var errDenied = errors.New("denied")

// grantNames returns the absolute, cleaned form of p and, if different, its resolved form.
func grantNames(p string) (abs, real string, err error) {
	if abs, err = filepath.Abs(p); err != nil {
		return "", "", err
	}
	if real, err = filepath.EvalSymlinks(abs); err != nil {
		return "", "", err
	}
	return abs, real, nil
}

func namesOf(abs, real string) []string {
	if abs == real {
		return []string{abs}
	}
	return []string{abs, real}
}

// openGrants opens what Options grant. An error names the flag.
func openGrants(o *Options) (*grants, error) {
	g := &grants{}
	fail := func(flag, p string, err error) (*grants, error) {
		g.close()
		return nil, newError(ErrPermission, flag+" "+p+": "+pathError(err))
	}
	for _, p := range o.AllowRead {
		if isRandomDevice(p) {
			continue // readable without a grant, and never opened
		}
		abs, real, err := grantNames(p)
		if err != nil {
			return fail("--allow-read", p, err)
		}
		f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0) //nolint:gosec // G304: the path the user granted

		if err != nil {
			return fail("--allow-read", p, err)
		}
		st, err := f.Stat()
		switch {
		case err != nil:
		case st.IsDir():
			_ = f.Close() // a directory opened read-only: nothing to lose
			var r *os.Root
			if r, err = os.OpenRoot(real); err == nil {
				g.read = append(g.read, dirGrant{names: namesOf(abs, real), root: r})
				continue
			}
		case st.Mode().IsRegular():
			g.readFiles = append(g.readFiles, fileGrant{names: namesOf(abs, real), f: f})
			continue
		default:
			err = errors.New("not a regular file or directory")
		}
		_ = f.Close()
		return fail("--allow-read", p, err)
	}
	for _, p := range o.AllowWrite {
		abs, real, err := grantNames(p)
		var r *os.Root
		if err == nil {
			r, err = os.OpenRoot(real)
		}
		if err != nil {
			return fail("--allow-write", p, err)
		}
		g.write = append(g.write, dirGrant{names: namesOf(abs, real), root: r})
	}
	if o.Path != "" && o.Source == nil {
		if abs, real, err := grantNames(filepath.Dir(o.Path)); err == nil {
			if r, err := os.OpenRoot(real); err == nil {
				g.scriptDir = &dirGrant{names: namesOf(abs, real), root: r}
			}
		}
	}
	return g, nil
}

func (g *grants) close() {
	for _, list := range [][]dirGrant{g.read, g.write} {
		for _, d := range list {
			_ = d.root.Close() // a directory descriptor: nothing to lose
		}
	}
	for _, f := range g.readFiles {
		_ = f.f.Close()
	}
	if g.scriptDir != nil {
		_ = g.scriptDir.root.Close()
	}
}

// beneath returns path relative to the first of dirs that holds it.
func beneath(dirs []dirGrant, abs string) (*os.Root, string, bool) {
	for _, d := range dirs {
		for _, n := range d.names {
			if abs == n {
				return d.root, ".", true
			}
			if rel, ok := strings.CutPrefix(abs, strings.TrimSuffix(n, "/")+"/"); ok {
				return d.root, rel, true
			}
		}
	}
	return nil, "", false
}

// readLimit is the largest file a script may read whole.
func (m *Main) readLimit() int64 { return min(int64(maxFileSize), int64(m.maxString)) }

// readFile reads a whole regular file that the grants let the script read: under a read or
// write directory, a granted file, or (module set) a *.lua file beside the script. Devices,
// FIFOs, sockets and directories are refused before any read (opened non-blocking, so a FIFO
// cannot block), and so are files past the read limit.
func (m *Main) readFile(path string, module bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", errDenied
	}
	g := m.grants
	for _, fg := range g.readFiles {
		for _, n := range fg.names {
			if abs == n {
				return readRegular(fg.f, m.readLimit())
			}
		}
	}
	root, rel, ok := beneath(g.read, abs)
	if !ok {
		root, rel, ok = beneath(g.write, abs)
	}
	if !ok && module && g.scriptDir != nil && strings.HasSuffix(abs, ".lua") {
		root, rel, ok = beneath([]dirGrant{*g.scriptDir}, abs)
		ok = ok && !hidden(rel)
	}
	if !ok {
		return "", errDenied
	}
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return "", rootError(err)
	}
	defer func() { _ = f.Close() }() // opened read-only: a failed close loses nothing
	return readRegular(f, m.readLimit())
}

// hidden reports whether a path has a component that starts with a dot: beside a script,
// those are configuration (~/.config/...), not its helpers.
func hidden(rel string) bool {
	for part := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

// rootError turns os.Root's refusal of a path that leads outside into errDenied.
func rootError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent" {
		return errDenied
	}
	return err
}

// readRegular reads all of f, a regular file of at most limit bytes, from offset 0.
func readRegular(f *os.File, limit int64) (string, error) {
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	if st.Size() > limit {
		return "", errors.New("file is larger than " + mib(limit))
	}
	data, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, limit+1), limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(data)) > limit {
		return "", errors.New("file is larger than " + mib(limit))
	}
	return string(data), nil
}

// openWrite opens path for writing (and reading, for an update mode) under an --allow-write
// directory: created with mode 0644 if missing, a regular file only (checked before it is
// truncated), every write appended at its end (O_APPEND).
func (m *Main) openWrite(path string, truncate, create, update bool) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errDenied
	}
	root, rel, ok := beneath(m.grants.write, abs)
	if !ok {
		return nil, errDenied
	}
	flag := os.O_WRONLY | os.O_APPEND | syscall.O_NONBLOCK | syscall.O_NOCTTY
	if update {
		flag = flag&^os.O_WRONLY | os.O_RDWR
	}
	if create {
		flag |= os.O_CREATE
	}
	f, err := root.OpenFile(rel, flag, 0o644)
	if err != nil {
		return nil, rootError(err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil && truncate {
		err = f.Truncate(0)
	}
	if err != nil {
		_ = f.Close() // nothing was written
		return nil, err
	}
	return f, nil
}

// isRandomDevice reports whether path names the kernel's random source, which a script may
// read without a grant: reads are served by crypto/rand, the device is never opened.
func isRandomDevice(path string) bool {
	p, err := filepath.Abs(path)
	return err == nil && (p == "/dev/urandom" || p == "/dev/random")
}
