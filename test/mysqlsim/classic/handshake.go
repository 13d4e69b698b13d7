package classic

import (
	"bytes"
	"errors"
	"fmt"
)

// Capability flags (CLIENT_*).
const (
	capLongPassword         uint32 = 1 << 0
	capFoundRows            uint32 = 1 << 1
	capLongFlag             uint32 = 1 << 2
	capConnectWithDB        uint32 = 1 << 3
	capNoSchema             uint32 = 1 << 4
	capODBC                 uint32 = 1 << 6
	capIgnoreSpace          uint32 = 1 << 8
	capProtocol41           uint32 = 1 << 9
	capInteractive          uint32 = 1 << 10
	capSSL                  uint32 = 1 << 11
	capIgnoreSigpipe        uint32 = 1 << 12
	capTransactions         uint32 = 1 << 13
	capReserved             uint32 = 1 << 14
	capSecureConnection     uint32 = 1 << 15
	capMultiStatements      uint32 = 1 << 16
	capMultiResults         uint32 = 1 << 17
	capPluginAuth           uint32 = 1 << 19
	capConnectAttrs         uint32 = 1 << 20
	capPluginAuthLenEncData uint32 = 1 << 21
	capExpiredPasswords     uint32 = 1 << 22
	capDeprecateEOF         uint32 = 1 << 24
)

// serverCaps are the capabilities advertised, as mysqld 8.4 does minus what the package does not implement
// (compression, LOAD DATA LOCAL, session tracking, query attributes, optional metadata). Prepared statements
// have no capability bit: clients just send COM_STMT_PREPARE.
const serverCaps = capLongPassword | capFoundRows | capLongFlag | capConnectWithDB | capNoSchema | capODBC |
	capIgnoreSpace | capProtocol41 | capInteractive | capIgnoreSigpipe | capTransactions | capReserved |
	capSecureConnection | capMultiStatements | capMultiResults | capPluginAuth | capConnectAttrs |
	capPluginAuthLenEncData | capExpiredPasswords | capDeprecateEOF

// charsetUTF8MB4 is utf8mb4_0900_ai_ci, the MySQL 8 default collation announced in the greeting.
const charsetUTF8MB4 = 255

// charsetBinary is the collation of numeric and binary columns.
const charsetBinary = 63

// greeting encodes Protocol::HandshakeV10.
func greeting(version string, connID uint32, scramble []byte, caps uint32, plugin string) []byte {
	b := make([]byte, 0, 128)
	b = append(b, 10)
	b = append(b, version...)
	b = append(b, 0, byte(connID), byte(connID>>8), byte(connID>>16), byte(connID>>24))
	b = append(b, scramble[:8]...)
	b = append(b, 0, byte(caps), byte(caps>>8), charsetUTF8MB4)
	b = append(b, byte(StatusAutocommit), byte(StatusAutocommit>>8), byte(caps>>16), byte(caps>>24))
	b = append(b, scrambleLen+1)
	b = append(b, make([]byte, 10)...)
	b = append(b, scramble[8:]...)
	b = append(b, 0)
	b = append(b, plugin...)
	return append(b, 0)
}

// sslRequestLen is the size of an SSLRequest: a handshake response cut after the filler.
const sslRequestLen = 32

// handshakeResponse is a parsed Protocol::HandshakeResponse41 (or its SSLRequest prefix).
type handshakeResponse struct {
	caps      uint32
	maxPacket uint32
	charset   uint8
	user      string
	authResp  []byte
	schema    string
	// plugin is the client's auth plugin; empty when the client did not name one.
	plugin string
	attrs  map[string]string
	// sslRequest marks an SSLRequest: the fixed fields only, asking for TLS before the real response.
	sslRequest bool
}

// errOldProtocol rejects clients that do not speak protocol 4.1, as mysqld 8 does.
var errOldProtocol = errors.New("client does not support protocol 4.1")

// parseHandshakeResponse decodes a HandshakeResponse41. An SSLRequest parses too, with only the fixed
// fields set; tell them apart by length.
func parseHandshakeResponse(b []byte) (*handshakeResponse, error) {
	d := &decoder{b: b}
	r := &handshakeResponse{caps: d.uint32(), maxPacket: d.uint32(), charset: d.uint8()}
	d.bytes(23)
	if d.err != nil {
		return nil, fmt.Errorf("parse handshake response: %w", d.err)
	}
	if r.caps&capProtocol41 == 0 {
		return nil, errOldProtocol
	}
	if len(b) == sslRequestLen {
		r.sslRequest = r.caps&capSSL != 0
		if !r.sslRequest {
			return nil, fmt.Errorf("parse handshake response: %w", errShort)
		}
		return r, nil
	}
	r.user = d.nulString()
	r.authResp = readAuthResponse(d, r.caps)
	if r.caps&capConnectWithDB != 0 && len(d.b) > 0 {
		r.schema = d.nulString()
	}
	if r.caps&capPluginAuth != 0 && len(d.b) > 0 {
		r.plugin = string(d.nulOrRest())
	}
	if r.caps&capConnectAttrs != 0 && len(d.b) > 0 {
		r.attrs = parseAttrs(d.lenEncBytes())
	}
	if d.err != nil {
		return nil, fmt.Errorf("parse handshake response: %w", d.err)
	}
	return r, nil
}

// readAuthResponse reads the auth response in whichever of its three encodings the client announced.
func readAuthResponse(d *decoder, caps uint32) []byte {
	switch {
	case caps&capPluginAuthLenEncData != 0:
		return d.lenEncBytes()
	case caps&capSecureConnection != 0:
		return d.bytes(int(d.uint8()))
	default:
		return []byte(d.nulString())
	}
}

// nulOrRest reads a NUL-terminated string, accepting a missing terminator at the end of the packet
// (some clients omit it after the plugin name).
func (d *decoder) nulOrRest() []byte {
	if i := bytes.IndexByte(d.b, 0); i >= 0 {
		s := d.b[:i]
		d.b = d.b[i+1:]
		return s
	}
	return d.rest()
}

// parseAttrs decodes the connection attributes: pairs of length-encoded strings. A malformed tail is dropped.
func parseAttrs(b []byte) map[string]string {
	d := &decoder{b: b}
	attrs := map[string]string{}
	for len(d.b) > 0 {
		k := d.lenEncBytes()
		v := d.lenEncBytes()
		if d.err != nil {
			break
		}
		attrs[string(k)] = string(v)
	}
	return attrs
}

// authSwitchPayload encodes an AuthSwitchRequest asking the client to answer plugin's challenge.
func authSwitchPayload(plugin string, scramble []byte) []byte {
	b := make([]byte, 0, 2+len(plugin)+len(scramble)+1)
	b = append(b, 0xfe)
	b = append(b, plugin...)
	b = append(b, 0)
	b = append(b, scramble...)
	return append(b, 0)
}

// authMoreData encodes a Protocol::AuthMoreData packet.
func authMoreData(data ...byte) []byte {
	return append([]byte{0x01}, data...)
}
