package clustering

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// A simulated member serves the X Protocol on its own loopback address; the monitor reaches it only through
// the loopback dialer and wakes the loop when the member's Group Replication state changes.
func TestMonitorWakesOnGroupReplicationChange(t *testing.T) {
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = g.Close() }()
	ca := tlscatest.New(t)
	host := "db-0.db-instances.ns.svc.cluster.local"
	m, err := g.AddMember(mysqlsim.MemberConfig{Name: "db-0", Host: "127.0.0.77", Port: 13306, XPort: 13360,
		TLS:          ca.Server(host),
		RootPassword: "pw", Options: admintest.OptionsFromMyCnf(
			"plugin_load_add=group_replication.so\ngtid_mode=ON\nenforce_gtid_consistency=ON\n" +
				"group_replication_group_name=aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\n" +
				"group_replication_local_address=127.0.0.77:33061\ngroup_replication_start_on_boot=OFF\n")})
	if err != nil {
		t.Fatal(err)
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	_, xAddr, ok := fe.Addrs(m)
	if !ok {
		t.Fatal("member not served")
	}
	dialer := memberdial.NewLoopback()
	if err := dialer.Set(host, xAddr); err != nil {
		t.Fatal(err)
	}
	var wakes atomic.Int64
	key := types.NamespacedName{Namespace: "ns", Name: "db"}
	// With an hour between periodic probes, only a Group Replication notice can cause the second wake-up.
	mon := &Monitor{Dialer: dialer, Interval: time.Hour, Wake: func(k types.NamespacedName) {
		if k == key {
			wakes.Add(1)
		}
	}}
	defer mon.Close()
	mon.Sync(&ClusterInfo{Key: key, Credentials: Credentials{RootUser: "root", RootPassword: "pw"},
		Hosts: map[string]string{"db-0": host}, Pods: []string{"db-0"}, Trust: tlsca.Trust{Bundle: ca.Bundle()}})
	waitFor(t, func() bool { return wakes.Load() >= 1 }) // first reachable result
	before := wakes.Load()

	s, err := m.RootSession()
	if err != nil {
		t.Fatal(err)
	}
	in := mysqladmin.New(admintest.Runner{M: m, S: s})
	if err := in.BootstrapGroup(context.Background(), mysqladmin.Account{User: "root", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return wakes.Load() > before })
	mon.Forget(key)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
