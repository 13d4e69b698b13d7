package classic

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Fuzz targets; seed corpora live in testdata/fuzz/<Target>/ (real client byte streams and packets).
//   go test ./test/mysqlsim/classic -run '^$' -fuzz FuzzReadPacket -fuzztime 30s
//   go test ./test/mysqlsim/classic -run '^$' -fuzz FuzzParseHandshakeResponse -fuzztime 30s
//   go test ./test/mysqlsim/classic -run '^$' -fuzz FuzzConnection -fuzztime 30s

// FuzzReadPacket feeds arbitrary bytes to the packet reader: it must never return a payload over the
// limit, and every payload it returns must survive a write/read round trip.
func FuzzReadPacket(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		const limit = 1 << 16
		p := newPacketIO(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(stream), io.Discard}, limit)
		for i := 0; i < 64; i++ {
			payload, err := p.readPacket()
			if err != nil {
				return
			}
			if len(payload) > limit {
				t.Fatalf("payload of %d bytes passed a %d-byte limit", len(payload), limit)
			}
			var buf bytes.Buffer
			w := newPacketIO(&buf, limit)
			if err := w.writePacket(payload); err != nil {
				t.Fatal(err)
			}
			_ = w.flush()
			back, err := newPacketIO(&buf, limit).readPacket()
			if err != nil || !bytes.Equal(back, payload) {
				t.Fatalf("round trip of %q gave %q, %v", payload, back, err)
			}
		}
	})
}

// FuzzParseHandshakeResponse feeds arbitrary payloads to the HandshakeResponse41 parser. Whatever parses
// must re-encode (in the length-encoded form) and parse back to the same user, auth data and plugin.
func FuzzParseHandshakeResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := parseHandshakeResponse(payload)
		if err != nil || r.sslRequest {
			return
		}
		caps := (r.caps | capPluginAuth | capPluginAuthLenEncData) &^ (capConnectWithDB | capConnectAttrs)
		again, err := parseHandshakeResponse(handshakeResponseBytes(caps, r.user, r.authResp, r.plugin))
		if err != nil {
			t.Fatalf("re-encoded response does not parse: %v", err)
		}
		if again.user != r.user || !bytes.Equal(again.authResp, r.authResp) || again.plugin != r.plugin {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}

// FuzzConnection runs a whole server connection on an arbitrary client byte stream: handshake, auth
// (the passwordless accounts let mutated streams reach the command phase), commands. It must not panic
// or hang, whatever the bytes.
func FuzzConnection(f *testing.F) {
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, stream []byte) {
		c := newConn(s, &streamConn{r: bytes.NewReader(stream)}, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.serve()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("connection did not finish on a finite stream")
		}
	})
}

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

func fuzzServer(f *testing.F) *Server {
	fuzzOnce.Do(func() {
		tlsCfg, err := SelfSignedTLS("127.0.0.1")
		if err != nil {
			f.Fatal(err)
		}
		fuzzSrv = &Server{
			Handler:       HandlerFunc(fuzzHandler),
			Preparer:      fuzzPreparer,
			Credentials:   testAccounts,
			RSAKey:        testRSAKey(f),
			TLSConfig:     tlsCfg,
			MaxPacketSize: 1 << 20,
		}
	})
	return fuzzSrv
}

// fuzzHandler answers every query without blocking: a result set echoing it, several results, or an error.
func fuzzHandler(_ context.Context, c *Conn, q string) ([]*Result, error) {
	switch {
	case len(q)%3 == 0:
		return nil, NewSQLError(1064, "42000", "syntax error near '%s'", q)
	case len(q)%3 == 1:
		return []*Result{{Columns: []Column{{Name: "q"}, {Name: "id"}, {Name: "n"}}, Rows: [][]any{{q, c.ID(), nil}}}}, nil
	}
	return []*Result{{AffectedRows: uint64(len(q))}, {Columns: []Column{{Name: "x"}}, Rows: [][]any{{1.5}}}}, nil
}

// streamConn is a net.Conn that reads a fixed byte stream (then EOF) and discards what is written.
type streamConn struct {
	r *bytes.Reader
}

func (s *streamConn) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s *streamConn) Write(p []byte) (int, error) { return len(p), nil }
func (s *streamConn) Close() error                { return nil }
func (s *streamConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3306}
}
func (s *streamConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (s *streamConn) SetDeadline(time.Time) error      { return nil }
func (s *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (s *streamConn) SetWriteDeadline(time.Time) error { return nil }
