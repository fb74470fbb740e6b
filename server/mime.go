package server

import (
	"path"
	"strings"
)

// fallbackType is the content type of files whose extension is allowed but has
// no more specific type.
const fallbackType = "application/octet-stream"

// mimeTypes lists the file extensions the server serves and their content
// types. It is deliberately explicit: the operating system's MIME database
// (mime.TypeByExtension reads /etc/mime.types and friends) differs from one
// machine to the next and may be missing altogether, and browsers refuse to
// compile WebAssembly streamed with any type other than application/wasm.
// Files with an extension missing from this table (and from
// Options.ExtraTypes) are not served at all.
var mimeTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".wasm":        "application/wasm",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".svg":         "image/svg+xml",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".safetensors": fallbackType,
	".bin":         fallbackType,
	".dcm":         "application/dicom",
}

// contentType returns the content type for the file name and whether its
// extension is one the server serves. Extensions are matched case-insensitively;
// extra takes precedence over the built-in table. For names the server does not
// serve it returns the fallback type and false.
func contentType(name string, extra map[string]string) (string, bool) {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return fallbackType, false
	}
	if t, ok := extra[ext]; ok {
		if t == "" {
			t = fallbackType
		}
		return t, true
	}
	if t, ok := mimeTypes[ext]; ok {
		return t, true
	}
	return fallbackType, false
}
