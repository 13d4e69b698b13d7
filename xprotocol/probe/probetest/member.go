// Package probetest is a fake MySQL member for tests and benchmarks of the prober: an X Protocol server
// side that answers exactly mysqladmin's three monitor statements from a mutable Group Replication state.
package probetest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// Credentials of the fake member's only account (mysql_native_password, so MYSQL41 works without TLS).
const (
	User     = "orca"
	Password = "orca-pw"
)

// State is what the fake member reports.
type State struct {
	UUID, Host    string
	Port          int
	MemberState   string // ONLINE, RECOVERING, OFFLINE, ERROR, UNREACHABLE
	Role          string // PRIMARY, SECONDARY
	ViewID        string
	GTIDExecuted  string
	SuperReadOnly bool
	Version       string
}

// Member is a running fake member.
type Member struct {
	Server *xserver.Server
	Addr   string

	mu    sync.Mutex
	state State
	peers []State
}

// Start serves a fake member on l with the given state (its own row first in replication_group_members,
// then peers).
func Start(l net.Listener, st State, peers ...State) *Member {
	m := &Member{Addr: l.Addr().String(), state: st, peers: peers}
	m.Server = &xserver.Server{
		Handler: xserver.HandlerFunc(m.execute),
		Credentials: xserver.NewStaticCredentials(xserver.Account{User: User, Password: Password,
			Plugin: wire.PluginNativePassword}),
	}
	started := make(chan struct{})
	m.Server.NotifyStartedFunc = func() { close(started) }
	go func() { _ = m.Server.Serve(l) }()
	<-started
	return m
}

// Stop shuts the member down.
func (m *Member) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.Server.Shutdown(ctx)
}

// SetState changes the reported state; with notify, a view-change notice is broadcast as a member would.
func (m *Member) SetState(st State, notify bool) {
	m.mu.Lock()
	m.state = st
	m.mu.Unlock()
	if notify {
		m.Server.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{
			Type: wire.GRViewChange, ViewID: st.ViewID})
	}
}

// State returns the reported state.
func (m *Member) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

func textCol(name string) wire.ColumnMetaData {
	return wire.ColumnMetaData{Type: wire.ColumnBytes, Name: name,
		Collation: wire.CollationUTF8MB4Ai0900}
}

func (m *Member) execute(_ context.Context, _ *xserver.ServerSession, stmt string, _ []wire.Any,
	w xserver.ResultWriter) error {
	m.mu.Lock()
	st, peers := m.state, m.peers
	m.mu.Unlock()
	switch stmt {
	case mysqladmin.MonitorQueryServer:
		readOnly := wire.ColumnMetaData{Type: wire.ColumnSint, Name: "@@super_read_only"}
		if err := w.WriteColumns(textCol("@@server_uuid"), textCol("@@gtid_executed"), readOnly,
			textCol("@@version")); err != nil {
			return err
		}
		return w.WriteRow(st.UUID, st.GTIDExecuted, st.SuperReadOnly, st.Version)
	case mysqladmin.MonitorQueryMembers:
		if err := w.WriteColumns(textCol("MEMBER_ID"), textCol("MEMBER_HOST"),
			wire.ColumnMetaData{Type: wire.ColumnSint, Name: "MEMBER_PORT"}, textCol("MEMBER_STATE"),
			textCol("MEMBER_ROLE"), textCol("MEMBER_VERSION")); err != nil {
			return err
		}
		for _, p := range append([]State{st}, peers...) {
			if err := w.WriteRow(p.UUID, p.Host, p.Port, p.MemberState, p.Role, p.Version); err != nil {
				return err
			}
		}
		return nil
	case mysqladmin.MonitorQueryViewID:
		if err := w.WriteColumns(textCol("VIEW_ID")); err != nil {
			return err
		}
		var view any
		if st.ViewID != "" {
			view = st.ViewID
		}
		return w.WriteRow(view)
	}
	return wire.NewError(1064, "42000", "You have an error in your SQL syntax near '%s'", stmt)
}

// Online returns the state of an ONLINE member number i of a group.
func Online(i int, role string) State {
	return State{UUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), Host: "member-" + strconv.Itoa(i),
		Port: 3306, MemberState: "ONLINE", Role: role, ViewID: "17000000:1", GTIDExecuted: "aaaa:1-10",
		SuperReadOnly: role != "PRIMARY", Version: "8.4.3"}
}
