package xprotocol

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

func recvNotice(t *testing.T, s *Session, typ wire.NoticeType) wire.Notice {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case n := <-s.Notices():
			if n.Type == typ {
				return n
			}
		case <-timeout:
			t.Fatalf("no notice of type %d", typ)
		}
	}
}

func TestGroupReplicationBroadcast(t *testing.T) {
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts()}
	addr := startServer(t, srv)
	ctx := testCtx(t)
	watcher := dial(t, addr, Config{User: "native", Password: "n-pw"})
	quiet := dial(t, addr, Config{User: "native", Password: "n-pw"})
	if err := watcher.EnableNotices(ctx, wire.GroupReplicationNotices...); err != nil {
		t.Fatal(err)
	}
	if err := quiet.EnableNotices(ctx, wire.GRRoleChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	if n := srv.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{Type: wire.GRViewChange,
		ViewID: "1700:5"}); n != 1 {
		t.Fatalf("view change sent to %d sessions, want 1", n)
	}
	n := recvNotice(t, watcher, wire.NoticeGroupReplicationStateChanged)
	g, err := n.GroupReplicationStateChanged()
	if err != nil || n.Scope != wire.ScopeGlobal || g.Type != wire.GRViewChange || g.ViewID != "1700:5" {
		t.Fatalf("notice %+v %+v %v", n, g, err)
	}
	if n := srv.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{Type: wire.GRRoleChange}); n != 2 {
		t.Fatalf("role change sent to %d sessions, want 2", n)
	}
	recvNotice(t, quiet, wire.NoticeGroupReplicationStateChanged)
	// The sessions still work after notices arrived between commands.
	if err := watcher.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := quiet.DisableNotices(ctx, wire.GRRoleChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	if n := srv.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{Type: wire.GRRoleChange}); n != 1 {
		t.Fatalf("after disable sent to %d sessions, want 1", n)
	}
}

// A global notice pushed in the middle of a result set does not disturb the rows.
func TestNoticeDuringResultSet(t *testing.T) {
	h := xserver.HandlerFunc(func(_ context.Context, s *xserver.ServerSession, _ string, _ []wire.Any,
		w xserver.ResultWriter) error {
		_ = w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "i"})
		for i := 0; i < 100; i++ {
			if i == 50 {
				g := wire.AppendGroupReplicationStateChanged(nil,
					wire.GroupReplicationStateChanged{Type: wire.GRStateChange, ViewID: "v"})
				if err := s.SendNotice(&wire.Notice{Type: wire.NoticeGroupReplicationStateChanged,
					Payload: g}); err != nil {
					return err
				}
				_ = s.SendNotice(&wire.Notice{Type: wire.NoticeType(77), Payload: []byte{1, 2}}) // unknown: ignored
			}
			if err := w.WriteRow(i); err != nil {
				return err
			}
		}
		return nil
	})
	addr := startServer(t, &xserver.Server{Handler: h, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	rows, err := s.Query(testCtx(t), "SELECT i")
	if err != nil {
		t.Fatal(err)
	}
	i := int64(0)
	for rows.Next() {
		v, err := rows.Value(0)
		if err != nil || v.Int != i {
			t.Fatalf("row %d: %+v %v", i, v, err)
		}
		i++
	}
	if err := rows.Close(); err != nil || i != 100 {
		t.Fatalf("rows %d, err %v", i, err)
	}
	recvNotice(t, s, wire.NoticeGroupReplicationStateChanged)
	recvNotice(t, s, wire.NoticeType(77))
}

// A full Notices buffer drops and counts; the reader never blocks and commands keep working.
func TestNoticeOverflowDropsAndCounts(t *testing.T) {
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts()}
	addr := startServer(t, srv)
	s := dial(t, addr, Config{User: "native", Password: "n-pw", NoticeBuffer: 2})
	ctx := testCtx(t)
	if err := s.EnableNotices(ctx, wire.GRViewChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	for len(s.Notices()) > 0 { // CLIENT_ID_ASSIGNED from the handshake
		<-s.Notices()
	}
	for i := 0; i < 10; i++ {
		srv.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{Type: wire.GRViewChange, ViewID: "v"})
	}
	if err := s.Ping(ctx); err != nil { // the ping reply comes after the 10 notices on the stream
		t.Fatal(err)
	}
	if s.DroppedNotices() != 8 || len(s.Notices()) != 2 {
		t.Fatalf("dropped %d, buffered %d", s.DroppedNotices(), len(s.Notices()))
	}
}

// rawConn talks frames to our server without the client.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// expectFatalThenClose reads frames until EOF and returns the last Error seen.
func expectFatalThenClose(t *testing.T, c net.Conn) *wire.Error {
	t.Helper()
	fr := wire.NewFrameReader(c, 0)
	var last *wire.Error
	for {
		typ, p, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if typ == wire.ServerError {
			last = &wire.Error{}
			_ = last.Unmarshal(p)
		}
	}
	if last == nil || last.Severity != wire.SeverityFatal {
		t.Fatalf("closed without a fatal error (last %v)", last)
	}
	return last
}

func TestServerBadInput(t *testing.T) {
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts(), MaxFrameSize: 1 << 16}
	addr := startServer(t, srv)
	frame := func(typ uint8, payload []byte) []byte { return wire.AppendRawFrame(nil, typ, payload) }
	cases := []struct {
		name string
		in   []byte
		code uint32
	}{
		{"oversized length", binary.LittleEndian.AppendUint32(nil, 1<<30), wire.ErCodeXBadMessage},
		{"unknown message type", frame(99, nil), wire.ErCodeUnknownCom},
		{"garbage protobuf", frame(wire.ClientSessAuthenticateStart, []byte{0x0a, 0x7f}), wire.ErCodeXBadMessage},
		{"statement before auth", wire.AppendFrame(nil, &wire.StmtExecute{Stmt: []byte("SELECT 1")}),
			wire.ErCodeUnknownCom},
		{"empty frame", binary.LittleEndian.AppendUint32(nil, 0), wire.ErCodeXBadMessage},
	}
	for _, c := range cases {
		conn := rawConn(t, addr)
		if _, err := conn.Write(c.in); err != nil {
			t.Fatal(err)
		}
		if e := expectFatalThenClose(t, conn); e.Code != c.code {
			t.Errorf("%s: %v, want code %d", c.name, e, c.code)
		}
	}
	// A truncated frame followed by EOF: the server just closes.
	conn := rawConn(t, addr)
	_, _ = conn.Write([]byte{9, 0, 0, 0, 1, 2})
	_ = conn.(*net.TCPConn).CloseWrite()
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("read after truncated frame: %v", err)
	}
	// Known but unsupported messages (CRUD) get a non-fatal error.
	c := rawConn(t, addr)
	_, _ = c.Write(append(frame(wire.ClientCrudFind, nil), wire.AppendFrame(nil,
		wire.Empty(wire.ClientConCapabilitiesGet))...))
	fr := wire.NewFrameReader(c, 0)
	if typ, _, err := fr.ReadFrame(); err != nil || typ != wire.ServerError {
		t.Fatalf("CRUD: %d %v", typ, err)
	}
	if typ, _, err := fr.ReadFrame(); err != nil || typ != wire.ServerConnCapabilities {
		t.Fatalf("after CRUD error: %d %v", typ, err)
	}
}

// fakeServer answers the first frame with reply bytes, then closes.
func fakeServer(t *testing.T, reply []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _, _ = wire.NewFrameReader(c, 0).ReadFrame()
		_, _ = c.Write(reply)
		time.Sleep(100 * time.Millisecond)
	}()
	return l.Addr().String()
}

func TestClientBadServer(t *testing.T) {
	replies := map[string][]byte{
		"garbage capabilities": wire.AppendRawFrame(nil, wire.ServerConnCapabilities, []byte{0x0a, 0x05, 0x0a}),
		"wrong reply":          wire.AppendFrame(nil, &wire.Ok{}),
		"oversized":            binary.LittleEndian.AppendUint32(nil, 1<<31),
		"truncated":            {20, 0, 0, 0, 2, 1},
		"garbage notice":       wire.AppendRawFrame(nil, wire.ServerNotice, []byte{0xff, 0xff}),
		"garbage error":        wire.AppendRawFrame(nil, wire.ServerError, []byte{0x08}),
	}
	for name, reply := range replies {
		addr := fakeServer(t, reply)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s, err := Dial(ctx, addr, Config{User: "u", MaxFrameSize: 1 << 20})
		cancel()
		if err == nil {
			s.Close()
			t.Errorf("%s: Dial succeeded", name)
		}
	}
}

func TestTruncatedRowField(t *testing.T) {
	var row wire.Row
	if err := row.Unmarshal([]byte{0x0a, 0x09}); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("truncated row field: %v", err)
	}
}
