package xserver

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// FuzzServerSession (CI runs it for ~10 s); seeds in testdata/fuzz/FuzzServerSession/ are client frames.

// FuzzServerSession feeds arbitrary bytes to an authenticated server session: it must answer or close,
// never panic or hang.
func FuzzServerSession(f *testing.F) {
	f.Add(wire.AppendFrame(nil, &wire.StmtExecute{Stmt: []byte("SELECT 1")}))
	f.Add(wire.AppendFrame(wire.AppendFrame(nil, &wire.StmtExecute{Stmt: []byte("list_notices"),
		Namespace: wire.NamespaceMysqlx}), wire.Empty(wire.ClientConClose)))
	f.Add(wire.AppendFrame(nil, &wire.SessionReset{KeepOpen: true}))
	handler := HandlerFunc(func(_ context.Context, _ *ServerSession, _ string, _ []wire.Any, w ResultWriter) error {
		if err := w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "1"}); err != nil {
			return err
		}
		return w.WriteRow(1)
	})
	creds := NewStaticCredentials(Account{User: "native", Password: "n-pw", Plugin: wire.PluginNativePassword})
	srv := &Server{Handler: handler, Credentials: creds, MaxFrameSize: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		s := newServerSession(srv, server, 1)
		s.authed, s.user = true, "native"
		done := make(chan struct{})
		go func() { defer close(done); s.serve() }()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = client.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = client.Write(data)
		_ = client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("server session did not end after the client closed")
		}
	})
}
