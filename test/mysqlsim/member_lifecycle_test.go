package mysqlsim

import (
	"errors"
	"strings"
	"testing"
)

// looseOptions prefixes the plugin options with loose_, as Oracle's operator writes them.
func looseOptions(opts map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range opts {
		if strings.HasPrefix(k, "group_replication_") || strings.HasPrefix(k, "clone_") {
			k = "loose_" + k
		}
		out[k] = v
	}
	return out
}

// docker-library/mysql 8.4's entrypoint runs mysqld --initialize-insecure with the pod's my.cnf but
// without plugin_load_add: a group_replication_* option without loose_ is an unknown variable, the
// initialisation aborts, and the half-initialised data directory makes every later start fail.
func TestOfficialImageInitRefusesPluginOptionsWithoutLoose(t *testing.T) {
	g, err := NewGroup(Config{Second: testSecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	m, err := g.AddMember(MemberConfig{Name: "m1", Host: "127.0.0.2", Initialize: InitOfficialImage,
		Options: memberOptions(0)})
	if !errors.Is(err, ErrInitFailed) || m == nil || m.Up() {
		t.Fatalf("AddMember: %v, member %v", err, m)
	}
	for _, text := range []string{"[ERROR] [MY-000067] [Server] unknown variable " +
		"'group_replication_bootstrap_group=OFF'.", "[ERROR] [MY-010119] [Server] Aborting"} {
		if !logContains(m, text) {
			t.Fatalf("error log lacks %q", text)
		}
	}
	if err := m.Restart(); !errors.Is(err, ErrInitFailed) {
		t.Fatalf("restart: %v", err)
	}
	fixed := MemberConfig{Options: looseOptions(memberOptions(0))}
	if err := m.RestartWith(fixed); !errors.Is(err, ErrInitFailed) || m.Up() {
		t.Fatalf("a fixed my.cnf cannot repair the data directory: %v", err)
	}
	if !logContains(m, "--initialize specified but the data directory has files in it. Aborting.") {
		t.Fatal("the half-initialised data directory is not in the log")
	}
}

// With loose_ options the entrypoint's temporary server loads the time zone tables through the
// client without SQL_LOG_BIN=0: 5 transactions under the member's own uuid (gtid_mode=ON), which are
// errant for any group it joins. MYSQL_INITDB_SKIP_TZINFO skips them.
func TestOfficialImageTimeZonesLeaveOwnGTIDs(t *testing.T) {
	tc := newCluster(t, 2, "", func(i int, c *MemberConfig) {
		c.Initialize, c.Options = InitOfficialImage, looseOptions(c.Options)
		c.SkipTZInfo = i == 0
	})
	m1, m2 := tc.members[0], tc.members[1]
	if !m1.GTIDExecuted().IsEmpty() {
		t.Fatalf("SkipTZInfo: %s", m1.GTIDExecuted())
	}
	if got := m2.GTIDExecuted().String(); got != m2.UUID()+":1-5" {
		t.Fatalf("time zones: %s", got)
	}
	if _, ok := m2.LookupAccount("root", "10.0.0.1"); !ok {
		t.Fatal("root@'%' missing")
	}
	for _, m := range tc.members {
		tc.exec(m, createRplUser)
	}
	bootstrapOnly(tc, m1)
	wantCode(t, tc.sqlError(m2, startWithCreds), 3092, "not configured properly")
	if !logContains(m2, "This member has more executed transactions than those present in the group") {
		t.Fatal("the time zone transactions are not errant")
	}
}

// RestartWith boots the member's data directory with a new server version and my.cnf, as a new pod
// of a StatefulSet revision: an upgrade within or across series works, going back to an older
// series does not (manual "Downgrading MySQL"), a downgrade within 8.4 LTS does.
func TestRestartWithNewVersionAndConfig(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	tc.exec(m, "CREATE USER kept@'%'")
	gtids, uuid := m.GTIDExecuted(), m.UUID()
	opts := memberOptions(0)
	opts["group_replication_member_weight"] = "70"
	if err := m.RestartWith(MemberConfig{Version: "8.4.7", Options: opts}); err != nil {
		t.Fatal(err)
	}
	if r := tc.row(m, "SELECT @@version, @@group_replication_member_weight, @@server_uuid"); r[0] != "8.4.7" ||
		r[1] != uint64(70) || r[2] != uuid || !m.GTIDExecuted().Equal(gtids) {
		t.Fatalf("after the upgrade: %v %s", r, m.GTIDExecuted())
	}
	if !logContains(m, "Server upgrade from '80406' to '80407' completed.") {
		t.Fatal("upgrade not logged")
	}
	if _, ok := m.LookupAccount("kept", "h"); !ok {
		t.Fatal("accounts lost")
	}
	err := m.RestartWith(MemberConfig{Version: "8.0.41", Options: opts})
	if !errors.Is(err, ErrBootFailed) || m.Up() {
		t.Fatalf("8.4 to 8.0: %v", err)
	}
	if !logContains(m, "Cannot boot server version 80041 on data directory built by version 80407. "+
		"Downgrade is not supported") {
		t.Fatal("downgrade refusal not logged")
	}
	if err := m.Restart(); !errors.Is(err, ErrBootFailed) {
		t.Fatalf("the pod still runs 8.0: %v", err)
	}
	if err := m.RestartWith(MemberConfig{Version: "8.4.3", Options: opts}); err != nil {
		t.Fatalf("a downgrade within 8.4 LTS: %v", err)
	}
	if m.Version() != "8.4.3" || !logContains(m, "Server downgrade from '80407' to '80403' completed.") {
		t.Fatal("downgrade within 8.4 not applied")
	}
}

// After RestartWith the members run different versions, and everything that looks at versions
// follows: recovery donors (equal or lower), primary election (lowest first), set_as_primary
// (lowest only).
func TestVersionsFollowRestartWith(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	if err := m3.RestartWith(MemberConfig{Version: "8.4.7", Options: memberOptions(2)}); err != nil {
		t.Fatal(err)
	}
	tc.exec(m3, "SET GLOBAL group_replication_member_weight = 100; "+startWithCreds)
	tc.waitState(m3, StateOnline)
	wantCode(t, tc.sqlError(m1, "SELECT group_replication_set_as_primary('"+m3.UUID()+"')"), 3910,
		"has a version that is greater")
	m1.Crash()
	tc.waitFor("a new primary", func() bool { return m2.Role() == RolePrimary || m3.Role() == RolePrimary })
	if m2.Role() != RolePrimary {
		t.Fatal("the higher-version member was elected despite the lower-version one")
	}
	// m1 comes back with a lower version than every donor: no donor can serve it.
	if err := m1.RestartWith(MemberConfig{Version: "8.4.5", Options: memberOptions(0)}); err != nil {
		t.Fatal(err)
	}
	tc.exec(m1, "SET GLOBAL group_replication_recovery_retry_count = 0; "+startWithCreds)
	tc.waitState(m1, StateError)
	if !logContains(m1, "no ONLINE donor is reachable") {
		t.Fatal("a higher-version donor served a lower-version joiner")
	}
}

// A new pod usually has a new IP: a network address and subnet that defaulted from Host follow it.
func TestRestartWithNewHostMovesTheDefaultNetworkAddress(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	if err := m.RestartWith(MemberConfig{Host: "127.0.0.9", Options: memberOptions(0)}); err != nil {
		t.Fatal(err)
	}
	m.g.mu.Lock()
	addr, subnets := m.cfg.NetworkAddress, m.cfg.Subnets
	m.g.mu.Unlock()
	if addr != "127.0.0.9" || len(subnets) != 1 || subnets[0] != "127.0.0.9/32" {
		t.Fatalf("network after the move: %s %v", addr, subnets)
	}
}
