package classic

import (
	"crypto/rand"
	"crypto/rsa"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey is one 2048-bit key shared by the tests, so each server does not generate its own.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("generate RSA key: %v", err)
		}
		rsaKey = k
	})
	return rsaKey
}

// rawClient speaks the protocol by hand, for what real clients never send (bad sequence ids, oversized
// packets, commands go-sql-driver does not use).
type rawClient struct {
	t   *testing.T
	nc  net.Conn
	pkt *packetIO
	// scramble is the greeting's challenge, which COM_CHANGE_USER answers again.
	scramble []byte
}

const rawCaps = capLongPassword | capProtocol41 | capSecureConnection | capPluginAuth | capPluginAuthLenEncData |
	capMultiResults | capTransactions

// dialRaw logs in as the "native" account with the given extra capabilities.
func dialRaw(t *testing.T, addr string, extraCaps uint32) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	r := &rawClient{t: t, nc: nc, pkt: newPacketIO(nc, 1<<30)}
	t.Cleanup(func() { _ = nc.Close() })
	g := r.read()
	d := &decoder{b: g[1:]}
	d.nulString()
	d.uint32()
	scramble := append([]byte(nil), d.bytes(8)...)
	d.bytes(1 + 2 + 1 + 2 + 2 + 1 + 10)
	scramble = append(scramble, d.bytes(12)...)
	if d.err != nil {
		t.Fatalf("parse greeting: %v", d.err)
	}
	r.scramble = scramble
	r.write(handshakeResponseBytes(rawCaps|extraCaps, "native", nativeToken(scramble, "native-pw"), PluginNative))
	if ok := r.read(); ok[0] != 0x00 {
		t.Fatalf("login: got packet %q, want OK", ok)
	}
	return r
}

// handshakeResponseBytes builds a HandshakeResponse41.
func handshakeResponseBytes(caps uint32, user string, auth []byte, plugin string) []byte {
	b := []byte{byte(caps), byte(caps >> 8), byte(caps >> 16), byte(caps >> 24), 0, 0, 0, 1, charsetUTF8MB4}
	b = append(b, make([]byte, 23)...)
	b = append(append(b, user...), 0)
	b = appendLenEncBytes(b, auth)
	return append(append(b, plugin...), 0)
}

func (r *rawClient) write(payload []byte) {
	r.t.Helper()
	if err := r.pkt.writePacket(payload); err != nil {
		r.t.Fatalf("write: %v", err)
	}
	if err := r.pkt.flush(); err != nil {
		r.t.Fatalf("flush: %v", err)
	}
}

func (r *rawClient) read() []byte {
	r.t.Helper()
	p, err := r.pkt.readPacket()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return p
}

// command sends a command with sequence id 0 and returns the first response packet.
func (r *rawClient) command(cmd byte, arg string) []byte {
	r.t.Helper()
	r.pkt.seq = 0
	r.write(append([]byte{cmd}, arg...))
	return r.read()
}

// expectErr checks that p is an ERR packet with the given code.
func expectErrPacket(t *testing.T, p []byte, code uint16, state, msg string) {
	t.Helper()
	want := errPayload(&SQLError{Code: code, State: state, Message: msg})
	if string(p) != string(want) {
		t.Fatalf("got packet %q, want ERR %q", p, want)
	}
}

// okStatus decodes the status flags of an OK packet.
func okStatus(t *testing.T, p []byte) StatusFlag {
	t.Helper()
	if p[0] != 0x00 && p[0] != 0xfe {
		t.Fatalf("got packet %q, want OK", p)
	}
	d := &decoder{b: p[1:]}
	d.lenEncInt()
	d.lenEncInt()
	st := StatusFlag(d.uint16())
	if d.err != nil {
		t.Fatalf("short OK packet %q", p)
	}
	return st
}
