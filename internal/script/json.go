package script

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// JSON for the module names scripts require: json (rxi's json.lua), cjson and cjson.safe
// (lua-cjson), dkjson. Decoding uses Go's encoding/json tokenizer (the standard library:
// maintained, fuzzed, strict RFC 8259); encoding is a small writer over Lua values. Both stop
// at maxJSONDepth levels of nesting, build no string past the string size cap, and check for
// the call's stop as they go, so the time limit and memory quota hold.

const maxJSONDepth = 1000

// jsonFlavor is what distinguishes the modules.
type jsonFlavor struct {
	name  string
	null  lua.LValue // module.null (the state's one JSON null): encodes as null besides nil
	safe  bool       // errors are returned as nil, message (cjson.safe)
	keep  bool       // JSON null decodes to module.null (cjson), not nil
	dk    bool       // dkjson's decode(s, pos, nullval) returning (value, next position, error)
	slash bool       // cjson escapes "/" as "\/"
}

// jsonModule builds the module table for one flavor.
func (s *state) jsonModule(f jsonFlavor) *lua.LTable {
	L := s.L
	mod := L.NewTable()
	if s.jsonNull == nil {
		// One null for every module, as lua-cjson's is one pointer: cjson.safe's decoded
		// nulls compare equal to cjson.null.
		null := L.NewUserData()
		mt := lockedMetatable(L)
		mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("null"))
			return 1
		}))
		null.Metatable = mt
		s.jsonNull = null
	}
	f.null = s.jsonNull
	mod.RawSetString("null", f.null)
	arrayMT := L.NewTable()
	mod.RawSetString("array_mt", arrayMT)
	emptyArray := L.NewTable()
	emptyArray.Metatable = arrayMT
	mod.RawSetString("empty_array", emptyArray)
	// Called as json:encode(v) (JSON.lua's style) the module itself comes first: skip it.
	arg := func(L *lua.LState, n int) int {
		if L.Get(1) == mod {
			return n + 1
		}
		return n
	}
	mod.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		i := arg(L, 1)
		e := jsonEncoder{s: s, f: f, arrayMT: arrayMT}
		if st, ok := L.Get(i + 1).(*lua.LTable); ok && f.dk {
			e.indent = lua.LVAsBool(st.RawGetString("indent"))
		}
		if err := e.value(L.Get(i), 0); err != nil {
			if f.safe {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
			L.RaiseError("%s", err.Error())
		}
		s.allocating(len(e.out))
		L.Push(lua.LString(e.out))
		return 1
	}))
	mod.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		i := arg(L, 1)
		src := checkString(L, i, "decode")
		pos := 1
		var null lua.LValue = lua.LNil
		if f.keep {
			null = f.null
		}
		if f.dk {
			pos = max(optInt(L, i+1, "decode", 1), 1)
			null = L.Get(i + 2)
			if pos > len(src)+1 {
				pos = len(src) + 1
			}
		}
		d := jsonDecoder{s: s, null: null}
		v, end, err := d.decode(src[pos-1:], !f.dk)
		if err != nil {
			err = errors.New(f.name + "." + err.Error())
		}
		switch {
		case f.dk && err != nil:
			L.Push(lua.LNil)
			L.Push(lua.LNumber(pos + end))
			L.Push(lua.LString(err.Error()))
			return 3
		case f.dk:
			L.Push(v)
			L.Push(lua.LNumber(pos + end))
			return 2
		case err != nil && f.safe:
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		case err != nil:
			L.RaiseError("%s", err.Error())
		}
		L.Push(v)
		return 1
	}))
	// lua-cjson's settings: accepted, and what they return, so scripts that tune them run.
	for _, name := range []string{"encode_sparse_array", "encode_max_depth", "decode_max_depth",
		"encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers",
		"decode_invalid_numbers", "encode_escape_forward_slash", "decode_array_with_array_mt", "encode_empty_table_as_object"} {
		mod.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.Push(L.Get(arg(L, 1)))
			return 1
		}))
	}
	if f.name == "cjson" || f.name == "cjson.safe" {
		mod.RawSetString("new", L.NewFunction(func(L *lua.LState) int { L.Push(s.jsonModule(f)); return 1 }))
		mod.RawSetString("_NAME", lua.LString(f.name))
		mod.RawSetString("_VERSION", lua.LString("2.1.0 (volley)"))
	}
	if f.dk {
		mod.RawSetString("version", lua.LString("dkjson 2.5 (volley)"))
		mod.RawSetString("quotestring", L.NewFunction(func(L *lua.LState) int {
			e := jsonEncoder{s: s, f: f}
			e.str(checkString(L, arg(L, 1), "quotestring"))
			L.Push(lua.LString(e.out))
			return 1
		}))
		mod.RawSetString("use_lpeg", L.NewFunction(func(L *lua.LState) int { L.Push(mod); return 1 }))
	}
	return mod
}

type jsonEncoder struct {
	s       *state
	f       jsonFlavor
	arrayMT *lua.LTable
	indent  bool
	out     []byte
	items   int
}

func (e *jsonEncoder) fail(format string, args ...any) error {
	return fmt.Errorf("%s.encode: "+format, append([]any{e.f.name}, args...)...)
}

func (e *jsonEncoder) newline(depth int) {
	if e.indent {
		e.out = append(e.out, '\n')
		for range depth {
			e.out = append(e.out, "  "...)
		}
	}
}

func (e *jsonEncoder) value(v lua.LValue, depth int) error {
	if e.items++; e.items&1023 == 0 {
		e.s.checkAbort()
	}
	if len(e.out) > e.s.m.maxString {
		return e.fail("the result is larger than %s", mib(int64(e.s.m.maxString)))
	}
	switch v := v.(type) {
	case *lua.LNilType:
		e.out = append(e.out, "null"...)
	case lua.LBool:
		e.out = strconv.AppendBool(e.out, bool(v))
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return e.fail("cannot encode %s: JSON has no such number", numberString(f))
		}
		e.out = appendNumber(e.out, f)
	case lua.LString:
		e.str(string(v))
	case *lua.LTable:
		if depth >= maxJSONDepth {
			return e.fail("tables nest deeper than %d levels (a cycle?)", maxJSONDepth)
		}
		return e.table(v, depth+1)
	default:
		if v == e.f.null {
			e.out = append(e.out, "null"...)
			return nil
		}
		return e.fail("cannot encode a %s value", v.Type().String())
	}
	return nil
}

func (e *jsonEncoder) str(s string) {
	const hex = "0123456789abcdef"
	e.out = append(e.out, '"')
	for i := 0; i < len(s); i++ {
		if i&(workStep-1) == workStep-1 {
			e.s.work(workStep)
		}
		switch c := s[i]; {
		case c == '"' || c == '\\':
			e.out = append(e.out, '\\', c)
		case c == '/' && e.f.slash:
			e.out = append(e.out, '\\', '/')
		case c == '\n':
			e.out = append(e.out, '\\', 'n')
		case c == '\r':
			e.out = append(e.out, '\\', 'r')
		case c == '\t':
			e.out = append(e.out, '\\', 't')
		case c < 0x20 || c == 0x7f:
			e.out = append(e.out, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			e.out = append(e.out, c)
		}
	}
	e.out = append(e.out, '"')
}

// table encodes t as an array when its keys are 1..n (holes allowed while n stays below
// twice the count, filled with null), as an object otherwise, with its keys sorted so that
// the output is stable.
func (e *jsonEncoder) table(t *lua.LTable, depth int) error {
	count, maxIndex, allIndexes := 0, 0, true
	t.ForEach(func(k, _ lua.LValue) {
		count++
		if n, ok := k.(lua.LNumber); ok && float64(n) >= 1 && float64(n) == math.Floor(float64(n)) && float64(n) <= maxArrayIndex {
			maxIndex = max(maxIndex, int(n))
			return
		}
		allIndexes = false
	})
	array := allIndexes && (count > 0 || t.Metatable == e.arrayMT) && maxIndex <= 2*count+10
	if array {
		e.out = append(e.out, '[')
		for i := 1; i <= maxIndex; i++ {
			if i > 1 {
				e.out = append(e.out, ',')
			}
			e.newline(depth)
			if err := e.value(t.RawGetInt(i), depth); err != nil {
				return err
			}
		}
		if maxIndex > 0 {
			e.newline(depth - 1)
		}
		e.out = append(e.out, ']')
		return nil
	}
	type entry struct {
		key string
		v   lua.LValue
	}
	var entries []entry
	var bad lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			entries = append(entries, entry{string(k), v})
		case lua.LNumber:
			entries = append(entries, entry{numberString(float64(k)), v})
		default:
			bad = k
		}
	})
	if bad != nil {
		return e.fail("cannot encode a table with a %s key", bad.Type().String())
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	e.out = append(e.out, '{')
	for i, en := range entries {
		if i > 0 {
			e.out = append(e.out, ',')
		}
		e.newline(depth)
		e.str(en.key)
		e.out = append(e.out, ':')
		if e.indent {
			e.out = append(e.out, ' ')
		}
		if err := e.value(en.v, depth); err != nil {
			return err
		}
	}
	if len(entries) > 0 {
		e.newline(depth - 1)
	}
	e.out = append(e.out, '}')
	return nil
}

type jsonDecoder struct {
	s     *state
	null  lua.LValue
	dec   *json.Decoder
	items int
}

// decode decodes the JSON value at the start of src, returning it and the offset after it;
// whole asks that nothing but white space follow.
func (d *jsonDecoder) decode(src string, whole bool) (v lua.LValue, end int, err error) {
	d.dec = json.NewDecoder(strings.NewReader(src))
	d.dec.UseNumber()
	v, err = d.value(0)
	end = int(d.dec.InputOffset())
	if err == nil && whole {
		if _, terr := d.dec.Token(); terr != io.EOF {
			err = errors.New("decode: unexpected text after the JSON value at byte " + strconv.Itoa(end+1))
		}
	}
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			err = errors.New("decode: " + se.Error() + " at byte " + strconv.FormatInt(se.Offset+1, 10))
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			err = errors.New("decode: unexpected end of the JSON text")
		case !strings.HasPrefix(err.Error(), "decode: "):
			err = errors.New("decode: " + err.Error())
		}
		return nil, end, err
	}
	return v, end, nil
}

func (d *jsonDecoder) value(depth int) (lua.LValue, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, err
	}
	return d.fromToken(tok, depth)
}

func (d *jsonDecoder) fromToken(tok json.Token, depth int) (lua.LValue, error) {
	if d.items++; d.items&1023 == 0 {
		d.s.checkAbort()
	}
	switch t := tok.(type) {
	case nil:
		return d.null, nil
	case bool:
		return lua.LBool(t), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		return lua.LNumber(f), nil
	case string:
		if len(t) > d.s.m.maxString {
			return nil, errors.New("decode: a string is larger than " + mib(int64(d.s.m.maxString)))
		}
		return lua.LString(t), nil
	case json.Delim:
		if depth >= maxJSONDepth {
			return nil, errors.New("decode: nesting deeper than " + strconv.Itoa(maxJSONDepth) + " levels")
		}
		tbl := d.s.L.NewTable()
		if t == '[' {
			for i := 1; d.dec.More(); i++ {
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, err
				}
				tbl.RawSetInt(i, v)
			}
		} else {
			for d.dec.More() {
				k, err := d.dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				tbl.RawSetString(key, v)
			}
		}
		if _, err := d.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return tbl, nil
	}
	return nil, errors.New("decode: unexpected token")
}
