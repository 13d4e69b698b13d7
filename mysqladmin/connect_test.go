package mysqladmin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca"
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
	// trust verifies the member's certificate, issued by a test CA for fakeHost.
	trust *tls.Config
}

// fakeHost is the fake member's stable name; dialer sends it to 127.0.0.1, as memberdial does in tests.
const fakeHost = "db-0.db-instances.ns.svc.cluster.local"

var dialer = func() *memberdial.Loopback {
	l := memberdial.NewLoopback()
	if err := l.Set(fakeHost, "127.0.0.1"); err != nil {
		panic(err)
	}
	return l
}()

// testCA issues the fake member's certificate.
func testCA(t *testing.T, names ...string) (server *tls.Config, trust *tls.Config) {
	t.Helper()
	now := time.Now()
	ca, err := tlsca.NewCA("mysqladmin test CA", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := tlsca.IssueCert(ca, names, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, tlsca.Trust{Bundle: ca.CertPEM}.Config()
}

func startFakeMember(t *testing.T) *fakeMember {
	t.Helper()
	fm := &fakeMember{}
	serverTLS, trust := testCA(t, fakeHost)
	fm.trust = trust
	fm.srv = &xserver.Server{
		Credentials: xserver.NewStaticCredentials(xserver.Account{User: "root", Password: "root-pw",
			Plugin: wire.PluginNativePassword}),
		Handler:   xserver.HandlerFunc(fm.execute),
		TLSConfig: serverTLS,
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

func (fm *fakeMember) execute(_ context.Context, _ *xserver.ServerSession, stmt string, xargs []wire.Any,
	w xserver.ResultWriter) error {
	args := make([]any, len(xargs))
	for i, a := range xargs {
		args[i] = string(a.Scalar.Bytes)
	}
	fm.mu.Lock()
	if len(args) > 0 {
		fm.stmts = append(fm.stmts, fmt.Sprintf("%s %q", stmt, args))
	} else {
		fm.stmts = append(fm.stmts, stmt)
	}
	fm.mu.Unlock()
	bytes := func(name string) wire.ColumnMetaData {
		return wire.ColumnMetaData{Type: wire.ColumnBytes, Name: name}
	}
	switch stmt {
	case qSQLMode:
		if err := w.WriteColumns(bytes("@@SESSION.sql_mode")); err != nil {
			return err
		}
		return w.WriteRow("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES")
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
				Name: "COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE"},
			wire.ColumnMetaData{Type: wire.ColumnUint, Name: "COUNT_TRANSACTIONS_IN_QUEUE"}); err != nil {
			return err
		}
		return w.WriteRow("17000000000000000:7", uint64(3), uint64(2))
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
		"the group. Statement: %s", substitute(stmt, args)) // as the server ran it
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
	in, err := Factory{Dialer: dialer}.Connect(ctx, fakeHost, fm.port,
		Account{User: "root", Password: "root-pw"}, fm.trust)
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
		st.ApplierQueue != 3 || st.CertifierQueue != 2 || st.GTIDReceived != gn+":21" {
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
	want := strings.Join([]string{qSQLMode, qVariables, qGroupMembers, qMemberStats, qChannels, qClone, qAutoRejoin,
		"STOP GROUP_REPLICATION",
		`START GROUP_REPLICATION USER = ?, PASSWORD = ? ["orca_repl" "pa'ss"]`}, "\n")
	if got != want {
		t.Fatalf("server received:\n%s\nwant:\n%s", got, want)
	}
}

func TestFactoryConnectFailures(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	f := Factory{Dialer: dialer}
	in, err := f.Connect(ctx, fakeHost, fm.port, Account{User: "root", Password: "wrong-secret"}, fm.trust)
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
	in, err = f.Connect(ctx, fakeHost, port, Account{User: "root", Password: "root-pw"}, fm.trust)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), fakeHost+":"+strconv.Itoa(port)) {
		t.Fatalf("refused connection: %v", err)
	}
	if err := in.StopGroupReplication(ctx); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Unreachable instance ran a statement: %v", err)
	}
}

// A member whose certificate another CA signed, or that is valid for another member's name, is refused during
// the TLS handshake (before the password is sent) with ErrUntrusted, which also reads as unreachable.
func TestFactoryRefusesUntrustedMembers(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	_, otherCA := testCA(t, fakeHost)
	cases := map[string]struct {
		host  string
		trust *tls.Config
		want  string
	}{
		"another CA":   {fakeHost, otherCA, "certificate signed by unknown authority"},
		"another name": {"db-1.db-instances.ns.svc.cluster.local", fm.trust, "not db-1.db-instances"},
		"system roots": {fakeHost, nil, "certificate signed by unknown authority"},
	}
	d := memberdial.NewLoopback()
	for _, h := range []string{fakeHost, "db-1.db-instances.ns.svc.cluster.local"} {
		if err := d.Set(h, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Factory{Dialer: d}.Connect(ctx, tc.host, fm.port, Account{User: "root", Password: "root-pw"},
				tc.trust)
			if !errors.Is(err, ErrUntrusted) || !errors.Is(err, ErrUnreachable) ||
				!strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrUntrusted mentioning %q", err, tc.want)
			}
		})
	}
	if got := fm.received(); len(got) != 0 {
		t.Fatalf("an untrusted member received statements: %v", got)
	}
}

// TestXRunnerReportsLostConnection checks that a statement cut off by the server's shutdown reads as
// ErrUnreachable, which CloneFrom relies on.
func TestXRunnerReportsLostConnection(t *testing.T) {
	fm := startFakeMember(t)
	ctx := context.Background()
	in, err := Factory{Dialer: dialer}.Connect(ctx, fakeHost, fm.port,
		Account{User: "root", Password: "root-pw"}, fm.trust)
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
