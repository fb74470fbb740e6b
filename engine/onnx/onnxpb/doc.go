// Package onnxpb reads and writes the ONNX file format: a ModelProto (the
// .onnx file) and a standalone TensorProto (the input_0.pb / output_0.pb
// files of ONNX's backend tests), as defined by onnx/onnx.proto (IR version
// 8, the one onnx 1.12 writes). It knows the format, not the operators:
// turning a Graph into something that runs is engine/onnx's job.
//
// The wire format is read with google.golang.org/protobuf/encoding/protowire,
// the low-level half of Go's protobuf module, without generated code or
// reflection: the decoder walks the fields it knows and skips the rest, as
// protobuf requires, so files from newer ONNX versions still load.
//
// Files are untrusted. The decoder never allocates from a length or a count
// that a file claims before checking it against the bytes actually present:
// a length-delimited field longer than what remains is an error, a repeated
// field's slice grows only as elements are read, and a tensor's element
// count (the product of its dims, checked for overflow) must match the data
// it carries before any conversion buffer is made. Limits bound the input
// size and the number of decoded items (nodes, attributes, tensors, value
// infos), so a small file cannot expand into a large heap; DefaultLimits are
// what the browser worker can afford.
//
// Errors are typed: *FormatError (the bytes are not a valid ONNX file),
// *UnsupportedError (valid ONNX this package does not carry: external data,
// sparse tensors, data types other than FLOAT, DOUBLE, INT32 and INT64) and
// *LimitError (over a Limits bound). Each says where in the file it arose,
// e.g. `graph.node[3] "Conv_0".attribute "pads"`. No value is returned with
// an error.
//
// Graph-valued attributes (the subgraphs of If, Loop and Scan), sparse
// tensors and type protos inside attributes are recognized and kept as an
// Attribute of that Type with no value, so that an importer can refuse the
// node by name; they are never decoded, which also keeps the decoder free of
// recursion.
//
// Encode writes a Model back to bytes; tensors are written as raw_data,
// little-endian, as PyTorch does.
package onnxpb
