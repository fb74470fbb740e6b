package ui

import (
	"fmt"
	"strings"
)

// SoftHyphens puts soft hyphens (U+00AD) into words longer than 9 letters,
// every 6 letters, so a narrow label ("cardiomegaly" under a thumbnail)
// breaks as "cardio-megaly" instead of being cut off.
func SoftHyphens(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		r := []rune(w)
		if len(r) <= 9 {
			continue
		}
		var b strings.Builder
		for j, c := range r {
			if j > 0 && j%6 == 0 && len(r)-j >= 3 {
				b.WriteRune('\u00ad')
			}
			b.WriteRune(c)
		}
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// fmtG formats a value with three significant digits.
func fmtG(v float64) string { return fmt.Sprintf("%.3g", v) }
