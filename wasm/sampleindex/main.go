//go:build !js

// Command sampleindex copies the real sample images (assets/samples: DICOM
// files and PNG or JPEG images) into the built site and writes beside them
// index.json, which the app's "Real images" gallery reads, and a small PNG
// thumbnail of each image it can decode. Files the app cannot decode (for
// example a JPEG 2000 DICOM file) are listed with the reason, so the user
// sees that they exist and why they will not open.
//
// Each file's entry takes its description from the line of SOURCES.md
// (in the same folder) that names the file, if there is one.
//
// Usage:
//
//	go run ./wasm/sampleindex -in assets/samples -out server/site/samples
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	_ "image/jpeg" // JPEG samples

	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/wasm/protocol"
)

// thumbSide is the longer side of a thumbnail, in pixels.
const thumbSide = 96

func main() {
	in := flag.String("in", "assets/samples", "folder of sample images")
	out := flag.String("out", "server/site/samples", "output folder in the built site")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sampleindex:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var idx protocol.RealIndex
	sources := readSources(filepath.Join(in, "SOURCES.md"))
	if _, err := os.Stat(in); errors.Is(err, fs.ErrNotExist) {
		return writeIndex(out, idx)
	}
	err := filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != in {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(in, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		ext := strings.ToLower(path.Ext(rel))
		if ext != ".dcm" && ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		e := describe(rel, b)
		src := sources[path.Base(rel)]
		e.Source, e.About = src.from, src.what
		if thumb, ok := e.thumb(b); ok {
			e.Thumb = "thumbs/" + strings.ReplaceAll(rel, "/", "_") + ".png"
			if err := writeFile(filepath.Join(out, filepath.FromSlash(e.Thumb)), thumb); err != nil {
				return err
			}
		}
		if err := writeFile(filepath.Join(out, filepath.FromSlash(rel)), b); err != nil {
			return err
		}
		idx.Images = append(idx.Images, e.RealImage)
		return nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(idx.Images, func(i, j int) bool {
		a, b := idx.Images[i], idx.Images[j]
		if a.Supported != b.Supported {
			return a.Supported
		}
		return a.File < b.File
	})
	return writeIndex(out, idx)
}

func writeIndex(out string, idx protocol.RealIndex) error {
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "index.json"), append(b, '\n'), 0o644)
}

func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

// entry is an index entry with the decoded image, if any.
type entry struct {
	protocol.RealImage
	dcm *dicomio.Image
	img image.Image
}

// describe decodes a file to fill in its entry.
func describe(rel string, b []byte) entry {
	e := entry{RealImage: protocol.RealImage{File: rel, Title: title(rel), Bytes: len(b)}}
	if strings.ToLower(path.Ext(rel)) == ".dcm" {
		e.Format = "dicom"
		im, err := dicomio.Decode(b, dicomio.Limits{})
		if err != nil {
			e.Problem = strings.TrimPrefix(err.Error(), "dicomio: ")
			var u *dicomio.UnsupportedError
			if errors.As(err, &u) {
				e.Problem = "not supported: " + strings.SplitN(u.Msg, ";", 2)[0]
			}
			return e
		}
		e.Supported, e.Width, e.Height, e.Modality, e.dcm = true, im.Cols, im.Rows, im.Modality, im
		return e
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	e.Format = format
	if err != nil {
		e.Problem = err.Error()
		return e
	}
	e.Supported, e.Width, e.Height, e.img = true, img.Bounds().Dx(), img.Bounds().Dy(), img
	return e
}

// title turns a file name into a caption: "dicom/CT_small.dcm" → "CT small".
func title(rel string) string {
	base := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
	return strings.Join(strings.FieldsFunc(base, func(r rune) bool { return r == '_' || r == '-' }), " ")
}

// thumb renders a thumbnail PNG of a decoded image.
func (e entry) thumb(_ []byte) ([]byte, bool) {
	if !e.Supported {
		return nil, false
	}
	w, h := e.Width, e.Height
	tw, th := w, h
	if s := max(w, h); s > thumbSide {
		tw, th = max(1, w*thumbSide/s), max(1, h*thumbSide/s)
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		for x := range tw {
			sx, sy := (2*x+1)*w/(2*tw), (2*y+1)*h/(2*th)
			dst.Set(x, y, e.at(sx, sy))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, dst); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// at returns the display colour of pixel (x, y).
func (e entry) at(x, y int) color.Color {
	if e.img != nil {
		return e.img.At(e.img.Bounds().Min.X+x, e.img.Bounds().Min.Y+y)
	}
	im := e.dcm
	n := im.Rows * im.Cols
	q := func(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }
	p := y*im.Cols + x
	if im.Channels == 1 {
		return color.Gray{Y: q(im.Pixels[p])}
	}
	return color.RGBA{R: q(im.Pixels[p]), G: q(im.Pixels[n+p]), B: q(im.Pixels[2*n+p]), A: 255}
}

// source is what SOURCES.md says of one file.
type source struct{ what, from string }

// readSources maps file names to what the line of SOURCES.md that names
// them says: for a Markdown table row (file | package | path | licence |
// what it is), its last cell and its package and licence cells; for any
// other line, the whole line.
func readSources(name string) map[string]source {
	out := map[string]source{}
	f, err := os.Open(name)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, word := range strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(" |`*()[],:", r) }) {
			lw := strings.ToLower(word)
			if !strings.HasSuffix(lw, ".dcm") && !strings.HasSuffix(lw, ".png") && !strings.HasSuffix(lw, ".jpg") {
				continue
			}
			base := path.Base(word)
			if _, ok := out[base]; ok {
				continue
			}
			cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
			if len(cells) >= 5 && strings.Contains(cells[0], base) {
				out[base] = source{what: clean(cells[len(cells)-1]), from: clean(cells[1]) + "; " + clean(cells[len(cells)-2])}
			} else {
				out[base] = source{from: clean(line)}
			}
		}
	}
	return out
}

// clean flattens Markdown to plain text.
func clean(line string) string {
	line = strings.NewReplacer("`", "", "**", "", "*", "").Replace(line)
	return strings.Join(strings.Fields(line), " ")
}
