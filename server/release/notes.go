package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Names of the files WriteNotes writes.
const (
	SumsName  = "SHA256SUMS"
	NotesName = "RELEASE.md"
)

// Sum is one release file with its size and SHA-256 sum.
type Sum struct {
	Name   string
	Size   int64
	SHA256 string // lower-case hex
}

// Sums returns the size and SHA-256 sum of every regular file directly in
// dir, sorted by name, leaving out SumsName, NotesName and hidden files.
func Sums(dir string) ([]Sum, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("release sums: %w", err)
	}
	var sums []Sum
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || name == SumsName || name == NotesName || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("release sums: %w", err)
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("release sums: reading %s: %w", name, err)
		}
		sums = append(sums, Sum{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	slices.SortFunc(sums, func(a, b Sum) int { return strings.Compare(a.Name, b.Name) })
	return sums, nil
}

// WriteNotes writes SumsName (in the format of sha256sum, which
// `sha256sum -c` and `shasum -a 256 -c` check) and NotesName (the version,
// what each file is for, sizes, sums and the commands that verify them)
// into dir, for the files Sums finds there.
func WriteNotes(dir, version string) error {
	sums, err := Sums(dir)
	if err != nil {
		return err
	}
	if len(sums) == 0 {
		return fmt.Errorf("release notes: no files in %s", dir)
	}
	var s strings.Builder
	for _, f := range sums {
		fmt.Fprintf(&s, "%s  %s\n", f.SHA256, f.Name)
	}
	if err := os.WriteFile(filepath.Join(dir, SumsName), []byte(s.String()), 0o644); err != nil {
		return fmt.Errorf("release notes: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, NotesName), []byte(Notes(version, sums)), 0o644)
}

// Notes returns the release note for the files sums of release version.
func Notes(version string, sums []Sum) string {
	if version == "" {
		version = "(unversioned build)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Saliency Explorer %s\n\n", version)
	b.WriteString("Everything runs in the browser; nothing you load leaves your machine.\n\n")
	b.WriteString("## Which file\n\n")
	b.WriteString("- `saliency-explorer.html`: the whole app in one file. Double-click it (from a USB stick,\n")
	b.WriteString("  a download or an e-mail attachment); it needs no server, no installation and no network.\n")
	b.WriteString("- `explorer-server-<os>-<arch>`: a small web server with the app inside, for a machine\n")
	b.WriteString("  where `file://` pages are blocked. Start it (no arguments needed): it serves on\n")
	b.WriteString("  127.0.0.1 only, prints the address to open and, where it can, opens the browser.\n")
	b.WriteString("  Once opened, the app keeps working offline in that browser.\n\n")
	b.WriteString("## Files\n\n| file | size | SHA-256 |\n|---|---:|---|\n")
	for _, f := range sums {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` |\n", f.Name, humanSize(f.Size), f.SHA256)
	}
	b.WriteString("\n## Check a download\n\n")
	fmt.Fprintf(&b, "The sums are also in `%s`. In the folder holding the files:\n\n", SumsName)
	b.WriteString("```sh\n")
	fmt.Fprintf(&b, "sha256sum -c --ignore-missing %s        # Linux\n", SumsName)
	fmt.Fprintf(&b, "shasum -a 256 -c --ignore-missing %s    # macOS\n", SumsName)
	b.WriteString("```\n\n")
	b.WriteString("On Windows (PowerShell, or `certutil -hashfile FILE SHA256` in a command prompt), compare\n")
	b.WriteString("the printed hash with the table above:\n\n")
	b.WriteString("```powershell\n")
	for _, f := range sums {
		if strings.HasSuffix(f.Name, ".exe") || strings.HasSuffix(f.Name, ".html") {
			fmt.Fprintf(&b, "Get-FileHash .\\%s -Algorithm SHA256\n", f.Name)
		}
	}
	b.WriteString("```\n\n")
	b.WriteString("On macOS, a downloaded server binary must be allowed once: `chmod +x` it, then\n")
	b.WriteString("`xattr -d com.apple.quarantine explorer-server-darwin-*` (or right-click → Open).\n")
	return b.String()
}

// humanSize formats n bytes as kB or MB (decimal).
func humanSize(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
