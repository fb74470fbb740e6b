//go:build !js

package main

import (
	"bytes"
	"errors"
	"fmt"
)

// Section ids of the WebAssembly binary format (core spec, 5.5).
const (
	sectionCustom = 0
	sectionImport = 2
	sectionCode   = 10
)

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count",
}

type section struct {
	id     byte
	custom string // a custom section's name
	data   []byte // the section's contents after its size
}

func (s section) name() string {
	if s.id == sectionCustom {
		return "custom " + s.custom
	}
	if n, ok := sectionNames[s.id]; ok {
		return n
	}
	return fmt.Sprintf("id %d", s.id)
}

// module is what wasmsize needs of a wasm binary.
type module struct {
	sections []section
	imported int            // imported functions, which come first in the function index space
	bodies   [][]byte       // code section bodies, in function order after the imports
	names    map[int]string // function index → name, from the "name" custom section
}

// reader reads the binary format's primitives, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.b = nil
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail("unexpected end of data")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// u32 reads an unsigned LEB128 number of at most 32 bits.
func (r *reader) u32() int {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if v > 1<<32-1 {
				r.fail("LEB128 number too large")
				return 0
			}
			return int(v)
		}
	}
	r.fail("LEB128 number too long")
	return 0
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.fail("length %d beyond the %d bytes left", n, len(r.b))
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) name() string { return string(r.bytes(r.u32())) }

// parseModule reads the sections of a wasm binary, the imported function
// count, the function bodies and the function names.
func parseModule(raw []byte) (*module, error) {
	if len(raw) < 8 || !bytes.Equal(raw[:4], []byte("\x00asm")) {
		return nil, errors.New("not a WebAssembly binary")
	}
	r := &reader{b: raw[8:]}
	m := &module{}
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		data := r.bytes(r.u32())
		if r.err != nil {
			break
		}
		s := section{id: id, data: data}
		if id == sectionCustom {
			sr := &reader{b: data}
			s.custom = sr.name()
			if sr.err != nil {
				return nil, fmt.Errorf("custom section: %w", sr.err)
			}
			if s.custom == "name" {
				names, err := parseNames(sr.b)
				if err != nil {
					return nil, fmt.Errorf("name section: %w", err)
				}
				m.names = names
			}
		}
		var err error
		switch id {
		case sectionImport:
			m.imported, err = countFuncImports(data)
		case sectionCode:
			m.bodies, err = parseCode(data)
		}
		if err != nil {
			return nil, fmt.Errorf("%s section: %w", s.name(), err)
		}
		m.sections = append(m.sections, s)
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

func countFuncImports(data []byte) (int, error) {
	r := &reader{b: data}
	n, funcs := r.u32(), 0
	for range n {
		r.name() // module
		r.name() // field
		switch kind := r.byte(); kind {
		case 0: // function: type index
			r.u32()
			funcs++
		case 1: // table: reftype, limits
			r.byte()
			limits(r)
		case 2: // memory: limits
			limits(r)
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
		default:
			r.fail("unknown import kind %d", kind)
		}
	}
	return funcs, r.err
}

func limits(r *reader) {
	if r.byte()&1 != 0 {
		r.u32()
	}
	r.u32()
}

func parseCode(data []byte) ([][]byte, error) {
	r := &reader{b: data}
	n := r.u32()
	bodies := make([][]byte, 0, min(n, len(data)))
	for range n {
		bodies = append(bodies, r.bytes(r.u32()))
		if r.err != nil {
			break
		}
	}
	return bodies, r.err
}

// parseNames reads the function-names subsection (id 1) of a name section.
func parseNames(data []byte) (map[int]string, error) {
	r := &reader{b: data}
	names := map[int]string{}
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		sub := r.bytes(r.u32())
		if id != 1 {
			continue
		}
		sr := &reader{b: sub}
		for range sr.u32() {
			idx := sr.u32()
			names[idx] = sr.name()
			if sr.err != nil {
				break
			}
		}
		if sr.err != nil {
			return nil, sr.err
		}
	}
	return names, r.err
}
