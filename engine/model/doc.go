// Package model reads and writes model files and names the architectures the
// app ships.
//
// A model is two files: a JSON architecture description (format, version and
// an nn.Spec) and the weights in safetensors, one tensor per parameter named
// as nn.Network.NamedParams names them ("layers.0.weight", ...). Both are
// validated on load — sizes, shapes, dtype, NaN/Inf, header length, unknown
// or missing tensors — and every error says what is wrong and how to get a
// good file. Untrusted bytes never cause a panic (see FuzzLoad).
package model
