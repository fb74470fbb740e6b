//go:build !js

package main

import "testing"

func TestPackageOf(t *testing.T) {
	for sym, want := range map[string]string{
		"saliencyexplorer_engine_nn.__Conv_.Forward":   "saliencyexplorer/engine/nn",
		"runtime.mapassign_faststr":                    "runtime",
		"runtime.__mheap_.alloc":                       "runtime",
		"github.com_vugu_vugu_domrender.__Renderer_.x": "github.com/vugu/vugu/domrender",
		"slices.Sort[go.shape.float32]":                "slices",
		"type_.eq.M36K4M8":                             "type_",
		"go_buildid":                                   "go_buildid",
	} {
		if got := packageOf(sym); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", sym, got, want)
		}
	}
}

// TestAnalyse parses a hand-made module: one imported function, two
// function bodies named in two packages, and a data section.
func TestAnalyse(t *testing.T) {
	raw := []byte("\x00asm\x01\x00\x00\x00")
	sec := func(id byte, body ...byte) {
		raw = append(raw, id, byte(len(body)))
		raw = append(raw, body...)
	}
	sec(2, 1, 1, 'm', 1, 'f', 0, 0)                      // import m.f, a function of type 0
	sec(10, 2, 3, 0, 0x01, 0x0b, 2, 0, 0x0b)             // bodies of 3 and 2 bytes
	sec(11, 0xaa, 0xbb, 0xcc, 0xdd)                      // data (contents not parsed)
	name := []byte{4, 'n', 'a', 'm', 'e', 1, 0, 2, 1, 5} // subsection 1, size patched below
	name = append(name, "a.x.f"...)
	name = append(name, 2, 5)
	name = append(name, "b_c.g"...)
	name[6] = byte(len(name) - 7)
	sec(0, name...)

	b, err := analyse(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"pkg a": 3, "pkg b/c": 2, "section data": 4, "section code (sizes and counts)": 3} {
		if got := b.rows[key].raw; got != want {
			t.Errorf("%s: %d bytes, want %d (rows %v)", key, got, want, b.rows)
		}
	}
	if _, err := analyse(raw[:len(raw)-3], 0); err == nil {
		t.Error("a truncated module parsed without error")
	}
}
