// Package wire is the MySQL X Protocol codec (the protobuf protocol of MySQL's X Plugin, port 33060): frames,
// messages, Datatypes values and row fields, shared by the client (package xprotocol) and the server side
// (package xserver). It does no I/O beyond reading frames from an io.Reader.
//
// Frames are a little-endian uint32 length, a message type byte and a protobuf payload. FrameReader reads
// them into a reused buffer and rejects lengths above a configurable maximum before reading the payload
// (and grows its buffer only as bytes actually arrive). Every message has a struct with AppendPayload
// (encode, see AppendFrame) and Unmarshal (decode); the codec is hand-written on protowire, without
// reflection or generated code. Row fields decode with DecodeValue or the typed Decode* functions into
// caller-owned buffers (zero allocations per decoded scalar) and encode with AppendField or Append*Field.
//
// Any, Scalar, Object and Array are the Datatypes values of statement arguments, capabilities and admin
// commands; Sint, String, Null and friends build them. Error is both the ERROR message and a Go error.
package wire
