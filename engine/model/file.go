package model

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"saliencyexplorer/engine/digest"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/safetensors"
)

// Format and Version identify an architecture file written by this package.
const (
	Format  = "saliency-explorer-model"
	Version = 1
)

// MaxArchBytes bounds the architecture JSON accepted by Load.
const MaxArchBytes = 1 << 20

// regenerate is appended to load errors: how to get a good pair of files.
const regenerate = " (export the model again from Saliency Explorer, or run `make models` for the shipped ones)"

// Arch is the architecture file's content.
type Arch struct {
	Format  string            `json:"format"`
	Version int               `json:"version"`
	Spec    nn.Spec           `json:"spec"`
	Meta    map[string]string `json:"meta,omitempty"`
}

// Error reports a model file that cannot be used.
type Error struct {
	File string // "architecture" or "weights"
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("model: %s file: %v%s", e.File, e.Err, regenerate) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Save returns net's architecture JSON and safetensors weights. meta is
// stored in both files (it may be nil); the weights also record a hash of the
// architecture, so Load can tell when two files do not belong together.
func Save(net *nn.Network, meta map[string]string) (arch, weights []byte, err error) {
	arch, err = json.MarshalIndent(Arch{Format: Format, Version: Version, Spec: net.Spec, Meta: meta}, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("model: encoding architecture: %w", err)
	}
	arch = append(arch, '\n')
	var tensors []safetensors.Tensor
	for _, p := range net.NamedParams() {
		tensors = append(tensors, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Value})
	}
	md := map[string]string{"format": Format, "spec_sha256": specHash(net.Spec)}
	for k, v := range meta {
		if _, taken := md[k]; !taken {
			md[k] = v
		}
	}
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, tensors, md); err != nil {
		return nil, nil, fmt.Errorf("model: encoding weights: %w", err)
	}
	return arch, buf.Bytes(), nil
}

func specHash(s nn.Spec) string {
	b, _ := json.Marshal(s) // nn.Spec holds only plain fields; Marshal cannot fail
	h := digest.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// ParseArch reads and validates an architecture file.
func ParseArch(arch []byte) (Arch, error) {
	var a Arch
	if len(arch) > MaxArchBytes {
		return a, &Error{"architecture", fmt.Errorf("%d bytes is more than the %d allowed", len(arch), MaxArchBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(arch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, &Error{"architecture", fmt.Errorf("not valid JSON for a model description: %w", err)}
	}
	if a.Format != Format {
		return a, &Error{"architecture", fmt.Errorf("format %q, want %q", a.Format, Format)}
	}
	if a.Version != Version {
		return a, &Error{"architecture", fmt.Errorf("version %d is not supported (this build reads version %d)", a.Version, Version)}
	}
	if err := a.Spec.Validate(); err != nil {
		return a, &Error{"architecture", err}
	}
	return a, nil
}

// Load builds the network that arch describes and fills it with weights,
// checking that every parameter is present exactly once with the right shape
// and finite values.
func Load(arch, weights []byte) (*nn.Network, error) {
	a, err := ParseArch(arch)
	if err != nil {
		return nil, err
	}
	tensors, md, err := safetensors.Decode(weights, safetensors.DefaultLimits())
	if err != nil {
		return nil, &Error{"weights", err}
	}
	if h, ok := md["spec_sha256"]; ok && h != specHash(a.Spec) {
		return nil, &Error{"weights", errors.New("these weights were saved with a different architecture file")}
	}
	net, err := nn.New(a.Spec, 0)
	if err != nil {
		return nil, &Error{"architecture", err}
	}
	byName := make(map[string]safetensors.Tensor, len(tensors))
	for _, t := range tensors {
		byName[t.Name] = t
	}
	for _, p := range net.NamedParams() {
		t, ok := byName[p.Name]
		if !ok {
			return nil, &Error{"weights", fmt.Errorf("tensor %q is missing", p.Name)}
		}
		if !sameShape(t.Shape, p.Shape) {
			return nil, &Error{"weights", fmt.Errorf("tensor %q has shape %v, the architecture needs %v", p.Name, t.Shape, p.Shape)}
		}
		copy(p.Value, t.Data)
		delete(byName, p.Name)
	}
	for name := range byName {
		return nil, &Error{"weights", fmt.Errorf("tensor %q is not part of architecture %q", name, a.Spec.Name)}
	}
	if err := net.CheckFinite(); err != nil {
		return nil, &Error{"weights", err}
	}
	return net, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
