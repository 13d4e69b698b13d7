package mysqladmin

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// fakeMember is an X Protocol server on a loopback socket that answers the status queries of one ONLINE
// secondary with MySQL's column types and records every statement it receives.
type fakeMember struct {
	mu    sync.Mutex
	stmts []string
	srv   *xserver.Server
	port  int
}

func startFakeMember(t *testing.T) *fakeMember {
	t.Helper()
	fm := &fakeMember{}
	fm.srv = &xserver.Server{
		Credentials: xserver.NewStaticCredentials(xserver.Account{User: "root", Password: "root-pw",
			Plugin: wire.PluginNativePassword}),
		Handler: xserver.HandlerFunc(fm.execute),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fm.port = l.Addr().(*net.TCPAddr).Port
	started := make(chan struct{})
	fm.srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = fm.srv.Serve(l) }()
	<-started
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = fm.srv.Shutdown(ctx)
	})
	return fm
}

func (fm *fakeMember) execute(_ context.Context, _ *xserver.ServerSession, stmt string, _ []wire.Any,
	w xserver.ResultWriter) error {
	fm.mu.Lock()
	fm.stmts = append(fm.stmts, stmt)
	fm.mu.Unlock()
	bytes := func(name string) wire.ColumnMetaData {
		return wire.ColumnMetaData{Type: wire.ColumnBytes, Name: name}
	}
	switch stmt {
	case qVariables:
		sint := func(name string) wire.ColumnMetaData {
			return wire.ColumnMetaData{Type: wire.ColumnSint, Name: name}
		}
		if err := w.WriteColumns(bytes("@@server_uuid"), bytes("@@gtid_executed"), sint("@@super_read_only"),
			bytes("@@version"), bytes("@@gtid_purged"), sint("@@offline_mode"),
			sint("@@group_replication_bootstrap_group"), bytes("@@group_replication_force_members")); err != nil {
			return err
		}
		return w.WriteRow(u0, gn+":1-20,\n"+u0+":1", int64(1), "8.4.6", "", int64(0), int64(0), "")
	case qGroupMembers:
		if err := w.WriteColumns(bytes("MEMBER_ID"), bytes("MEMBER_HOST"),
			wire.ColumnMetaData{Type: wire.ColumnUint, Name: "MEMBER_PORT"}, bytes("MEMBER_STATE"),
			bytes("MEMBER_ROLE"), bytes("MEMBER_VERSION")); err != nil {
			return err
		}
		if err := w.WriteRow(u0, "db-0", uint64(3306), "ONLINE", "SECONDARY", "8.4.6"); err != nil {
			return err
		}
		return w.WriteRow(u1, "db-1", nil, "UNREACHABLE", "PRIMARY", nil)
	case qMemberStats:
		if err := w.WriteColumns(bytes("VIEW_ID"),
			wire.ColumnMetaData{Type: wire.ColumnUint,
				Name: "COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE"}); err != nil {
			return err
		}
		return w.WriteRow("17000000000000000:7", uint64(3))
	case qChannels:
		if err := w.WriteColumns(bytes("CHANNEL_NAME"), bytes("RECEIVED_TRANSACTION_SET"),
			bytes("LAST_ERROR_MESSAGE")); err != nil {
			return err
		}
		return w.WriteRow("group_replication_applier", gn+":21", "")
	case qClone, qAutoRejoin:
		return w.WriteColumns(bytes("STATE"), bytes("ERROR_MESSAGE"))
	case "STOP GROUP_REPLICATION":
		return nil
	}
	return wire.NewError(3092, "HY000", "The server is not configured properly to be an active member of "+
		"the group. Statement: %s", stmt)
}

func (fm *fakeMember) received() []string {
	fm.mu.Lock()
	defer fm.mu.Unlock()
	return append([]string(nil), fm.stmts...)
}

// TestFactoryOverXProtocol runs Status and admin statements over a real X Protocol session on loopback.
func TestFactoryOverXProtocol(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	in, err := Factory{Dialer: memberdial.Direct()}.Connect(ctx, "127.0.0.1", fm.port,
		Account{User: "root", Password: "root-pw"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := in.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ServerUUID != u0 || st.GTIDExecuted != gn+":1-20,"+u0+":1" || !st.SuperReadOnly ||
		st.State != topology.StateOnline || st.Role != topology.RoleSecondary || st.ViewID != "17000000000000000:7" ||
		len(st.Group) != 2 || st.Group[0].Port != 3306 || st.Group[1].Port != 0 || st.Group[1].Version != "" ||
		st.ApplierQueue != 3 || st.GTIDReceived != gn+":21" {
		t.Fatalf("status %+v", *st)
	}
	if err := in.StopGroupReplication(ctx); err != nil {
		t.Fatal(err)
	}
	repl := Account{User: "orca_repl", Password: "pa'ss"}
	err = in.StartGroupReplication(ctx, repl)
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != 3092 {
		t.Fatalf("server error lost: %v", err)
	}
	if strings.Contains(err.Error(), "pa'ss") || strings.Contains(err.Error(), `pa\'ss`) {
		t.Fatalf("the server echoed the password into the error and it was not scrubbed: %v", err)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(fm.received(), "\n")
	want := strings.Join([]string{qVariables, qGroupMembers, qMemberStats, qChannels, qClone, qAutoRejoin,
		"STOP GROUP_REPLICATION",
		`START GROUP_REPLICATION USER = 'orca_repl', PASSWORD = 'pa\'ss'`}, "\n")
	if got != want {
		t.Fatalf("server received:\n%s\nwant:\n%s", got, want)
	}
}

func TestFactoryConnectFailures(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	f := Factory{Dialer: memberdial.Direct()}
	in, err := f.Connect(ctx, "127.0.0.1", fm.port, Account{User: "root", Password: "wrong-secret"})
	if err == nil {
		t.Fatal("a wrong password connected")
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrUnreachable) {
		t.Fatalf("a refused login must be ErrAccessDenied, not ErrUnreachable: %v", err)
	}
	if _, serr := in.Status(ctx); !errors.Is(serr, ErrUnreachable) {
		t.Fatalf("instance after a failed connect should be Unreachable: %v", serr)
	}
	// A closed port: nothing listens there any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	in, err = f.Connect(ctx, "127.0.0.1", port, Account{User: "root", Password: "root-pw"})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
		t.Fatalf("refused connection: %v", err)
	}
	if err := in.StopGroupReplication(ctx); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Unreachable instance ran a statement: %v", err)
	}
}

// TestXRunnerReportsLostConnection checks that a statement cut off by the server's shutdown reads as
// ErrUnreachable, which CloneFrom relies on.
func TestXRunnerReportsLostConnection(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	in, err := Factory{Dialer: memberdial.Direct()}.Connect(ctx, "127.0.0.1", fm.port,
		Account{User: "root", Password: "root-pw"})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := fm.srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := in.StopGroupReplication(ctx); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("statement on a closed session: %v", err)
	}
}
