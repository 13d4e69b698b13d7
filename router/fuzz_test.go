package router

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// FuzzRefusedXClient feeds arbitrary bytes, as an X Protocol client's first message, to the one path where
// the router reads client bytes (a refused connection). The router answers exactly when a whole frame, or a
// length it will not read, has arrived, and the answer is one fatal Mysqlx.Error with its code.
func FuzzRefusedXClient(f *testing.F) {
	// Seeds in testdata/fuzz/FuzzRefusedXClient: CapabilitiesGet and Set, empty, oversized and truncated
	// frames, an HTTP request, a TLS ClientHello.
	s := &Server{StaticBackends: []string{"127.0.0.1:1"}, ConnectTimeout: 20 * time.Millisecond}
	s.setup()
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		defer func() { _ = client.Close() }()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.refuse(server, XRW, cantConnect(server.LocalAddr(), refusedNoTopology, "fuzz"))
		}()
		go func() { _, _ = client.Write(in) }()
		_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, payload, err := wire.NewFrameReader(client, 0).ReadFrame()
		answered := err == nil
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
			t.Fatalf("reading the answer: %v", err)
		}
		if want := wantsAnswer(in); answered != want {
			t.Fatalf("input %x: answered %v, want %v", in, answered, want)
		}
		if answered {
			var xe wire.Error
			if typ != wire.ServerError || xe.Unmarshal(payload) != nil || xe.Code != codeCantConnect ||
				xe.Severity != wire.SeverityFatal || xe.SQLState != "HY000" {
				t.Fatalf("answer type %d %+v", typ, xe)
			}
		}
		<-done
	})
}

// wantsAnswer: a complete first frame, an empty one, or one longer than the router reads.
func wantsAnswer(in []byte) bool {
	if len(in) < 4 {
		return false
	}
	n := binary.LittleEndian.Uint32(in)
	return n == 0 || n > maxFirstFrame || uint64(len(in)) >= 4+uint64(n)
}
