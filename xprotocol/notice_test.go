package xprotocol

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func recvNotice(t *testing.T, s *Session, typ NoticeType) Notice {
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
	srv := &Server{Handler: echoHandler, Credentials: accounts()}
	addr := startServer(t, srv)
	ctx := testCtx(t)
	watcher := dial(t, addr, Config{User: "native", Password: "n-pw"})
	quiet := dial(t, addr, Config{User: "native", Password: "n-pw"})
	if err := watcher.EnableNotices(ctx, GroupReplicationNotices...); err != nil {
		t.Fatal(err)
	}
	if err := quiet.EnableNotices(ctx, GRRoleChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	if n := srv.BroadcastGroupReplicationNotice(GroupReplicationStateChanged{Type: GRViewChange, ViewID: "1700:5"}); n != 1 {
		t.Fatalf("view change sent to %d sessions, want 1", n)
	}
	n := recvNotice(t, watcher, NoticeGroupReplicationStateChanged)
	g, err := n.GroupReplicationStateChanged()
	if err != nil || n.Scope != ScopeGlobal || g.Type != GRViewChange || g.ViewID != "1700:5" {
		t.Fatalf("notice %+v %+v %v", n, g, err)
	}
	if n := srv.BroadcastGroupReplicationNotice(GroupReplicationStateChanged{Type: GRRoleChange}); n != 2 {
		t.Fatalf("role change sent to %d sessions, want 2", n)
	}
	recvNotice(t, quiet, NoticeGroupReplicationStateChanged)
	// The sessions still work after notices arrived between commands.
	if err := watcher.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := quiet.DisableNotices(ctx, GRRoleChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	if n := srv.BroadcastGroupReplicationNotice(GroupReplicationStateChanged{Type: GRRoleChange}); n != 1 {
		t.Fatalf("after disable sent to %d sessions, want 1", n)
	}
}

// A global notice pushed in the middle of a result set does not disturb the rows.
func TestNoticeDuringResultSet(t *testing.T) {
	h := HandlerFunc(func(_ context.Context, s *ServerSession, _ string, _ []Any, w ResultWriter) error {
		_ = w.WriteColumns(ColumnMetaData{Type: ColumnSint, Name: "i"})
		for i := 0; i < 100; i++ {
			if i == 50 {
				g := AppendGroupReplicationStateChanged(nil, GroupReplicationStateChanged{Type: GRStateChange, ViewID: "v"})
				if err := s.SendNotice(&Notice{Type: NoticeGroupReplicationStateChanged, Payload: g}); err != nil {
					return err
				}
				_ = s.SendNotice(&Notice{Type: NoticeType(77), Payload: []byte{1, 2}}) // unknown: ignored
			}
			if err := w.WriteRow(i); err != nil {
				return err
			}
		}
		return nil
	})
	addr := startServer(t, &Server{Handler: h, Credentials: accounts()})
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
	recvNotice(t, s, NoticeGroupReplicationStateChanged)
	recvNotice(t, s, NoticeType(77))
}

// A full Notices buffer drops and counts; the reader never blocks and commands keep working.
func TestNoticeOverflowDropsAndCounts(t *testing.T) {
	srv := &Server{Handler: echoHandler, Credentials: accounts()}
	addr := startServer(t, srv)
	s := dial(t, addr, Config{User: "native", Password: "n-pw", NoticeBuffer: 2})
	ctx := testCtx(t)
	if err := s.EnableNotices(ctx, GRViewChange.NoticeName()); err != nil {
		t.Fatal(err)
	}
	for len(s.Notices()) > 0 { // CLIENT_ID_ASSIGNED from the handshake
		<-s.Notices()
	}
	for i := 0; i < 10; i++ {
		srv.BroadcastGroupReplicationNotice(GroupReplicationStateChanged{Type: GRViewChange, ViewID: "v"})
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
func expectFatalThenClose(t *testing.T, c net.Conn) *Error {
	t.Helper()
	fr := NewFrameReader(c, 0)
	var last *Error
	for {
		typ, p, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if typ == ServerError {
			last = &Error{}
			_ = last.Unmarshal(p)
		}
	}
	if last == nil || last.Severity != SeverityFatal {
		t.Fatalf("closed without a fatal error (last %v)", last)
	}
	return last
}

func TestServerBadInput(t *testing.T) {
	srv := &Server{Handler: echoHandler, Credentials: accounts(), MaxFrameSize: 1 << 16}
	addr := startServer(t, srv)
	frame := func(typ uint8, payload []byte) []byte { return AppendRawFrame(nil, typ, payload) }
	cases := []struct {
		name string
		in   []byte
		code uint32
	}{
		{"oversized length", binary.LittleEndian.AppendUint32(nil, 1<<30), ErCodeXBadMessage},
		{"unknown message type", frame(99, nil), ErCodeUnknownCom},
		{"garbage protobuf", frame(ClientSessAuthenticateStart, []byte{0x0a, 0x7f}), ErCodeXBadMessage},
		{"statement before auth", AppendFrame(nil, &StmtExecute{Stmt: []byte("SELECT 1")}), ErCodeUnknownCom},
		{"empty frame", binary.LittleEndian.AppendUint32(nil, 0), ErCodeXBadMessage},
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
	_, _ = c.Write(append(frame(ClientCrudFind, nil), AppendFrame(nil, msgCapabilitiesGet)...))
	fr := NewFrameReader(c, 0)
	if typ, _, err := fr.ReadFrame(); err != nil || typ != ServerError {
		t.Fatalf("CRUD: %d %v", typ, err)
	}
	if typ, _, err := fr.ReadFrame(); err != nil || typ != ServerConnCapabilities {
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
		_, _, _ = NewFrameReader(c, 0).ReadFrame()
		_, _ = c.Write(reply)
		time.Sleep(100 * time.Millisecond)
	}()
	return l.Addr().String()
}

func TestClientBadServer(t *testing.T) {
	replies := map[string][]byte{
		"garbage capabilities": AppendRawFrame(nil, ServerConnCapabilities, []byte{0x0a, 0x05, 0x0a}),
		"wrong reply":          AppendFrame(nil, &Ok{}),
		"oversized":            binary.LittleEndian.AppendUint32(nil, 1<<31),
		"truncated":            {20, 0, 0, 0, 2, 1},
		"garbage notice":       AppendRawFrame(nil, ServerNotice, []byte{0xff, 0xff}),
		"garbage error":        AppendRawFrame(nil, ServerError, []byte{0x08}),
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
	var row Row
	if err := row.Unmarshal([]byte{0x0a, 0x09}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated row field: %v", err)
	}
}
