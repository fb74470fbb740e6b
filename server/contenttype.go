package server

// ContentType returns the content type the handler sends for a file of the
// site with the given name (by extension, see mime.go), and whether the
// handler serves such files at all. Build tools use it to treat the site's
// files exactly as the server does.
func ContentType(name string) (string, bool) {
	return contentType(name, nil)
}
