package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// TestSum256 compares Sum256 with crypto/sha256 on every length up to 300
// bytes (each padding case: one block, two blocks, exact multiples), on
// longer messages, and with FIPS 180-4's own example.
func TestSum256(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 1<<16+77)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	lengths := []int{1000, 4096, 1 << 16, len(b)}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		if got, want := Sum256(b[:n]), sha256.Sum256(b[:n]); got != want {
			t.Fatalf("%d bytes: %x, want %x", n, got, want)
		}
	}
	abc := Sum256([]byte("abc"))
	if hex.EncodeToString(abc[:]) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf(`Sum256("abc") = %x`, abc)
	}
}
