package operator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
)

// TestNonLeaderReplicaAnswersFromStatus runs an operator that is NOT the leader (another holder keeps the
// lease): its DNS server still answers the cluster's SRV records, from the status the leader writes, and
// follows a switchover written there; the zone transfers to the key of --dns-transfer-tsig-secret only.
func TestNonLeaderReplicaAnswersFromStatus(t *testing.T) {
	cfg, k8s := startControlPlane(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	holdLease(ctx, t, k8s)
	addr := freeAddr(t)
	key := transferKeySecret(ctx, t, k8s)
	mgr, err := New(cfg, Options{MetricsAddr: "0", ProbeAddr: "0", LeaderElect: true, SecondInstance: true,
		LeaderElectionNamespace: "default", DNSAddr: addr, OrcaImage: "orca:test", DNSTransferKeySecret: key})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator: %v", err)
		}
	}()

	c := createCluster(ctx, t, k8s, "db")
	for i, ip := range []string{"10.9.0.1", "10.9.0.2", "10.9.0.3"} {
		createPod(ctx, t, k8s, c, i, ip)
	}
	setMembers(ctx, t, k8s, c, "db-0")
	waitPrimary(t, addr, "db-0.db.default.mysql.orca.internal.")
	setMembers(ctx, t, k8s, c, "db-2")
	waitPrimary(t, addr, "db-2.db.default.mysql.orca.internal.")
	checkTransfer(t, addr)
	select {
	case <-mgr.Elected():
		t.Fatal("this replica became leader: the test no longer shows a non-leader answering")
	default:
	}
}

func holdLease(ctx context.Context, t *testing.T, k8s client.Client) {
	t.Helper()
	now := metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: LeaderElectionID, Namespace: "default"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("another-replica"), LeaseDurationSeconds: ptr.To[int32](3600),
			AcquireTime: &now, RenewTime: &now}}
	if err := k8s.Create(ctx, lease); err != nil {
		t.Fatal(err)
	}
}

// freeAddr finds a loopback port free for UDP and TCP.
func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := peers.FreeUDPTCPPort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func createCluster(ctx context.Context, t *testing.T, k8s client.Client, name string) *v1.InnoDBCluster {
	t.Helper()
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: v1.InnoDBClusterSpec{Instances: 3, Version: "8.4.3"}}
	c.SetDefaults()
	if err := k8s.Create(ctx, c); err != nil {
		t.Fatalf("create cluster %s: %v", name, err)
	}
	return c
}

// startControlPlane starts an envtest control plane for the test and returns its config and a client.
func startControlPlane(t *testing.T) (*rest.Config, client.Client) {
	t.Helper()
	envtestutil.SetLogger()
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, k8s
}

func createPod(ctx context.Context, t *testing.T, k8s client.Client, c *v1.InnoDBCluster, i int, ip string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: c.Name + "-" + string(rune('0'+i)), Namespace: c.Namespace,
		Labels: map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentMySQL,
			v1.LabelManagedBy: v1.ManagedByOrca}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql"}}}}
	if err := k8s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	if err := k8s.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
}

// setMembers writes the status a leader would: primary ONLINE, the others ONLINE secondaries.
func setMembers(ctx context.Context, t *testing.T, k8s client.Client, c *v1.InnoDBCluster, primary string) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
			return err
		}
		c.Status.Members = nil
		for _, p := range []string{"db-0", "db-1", "db-2"} {
			role := "SECONDARY"
			if p == primary {
				role = "PRIMARY"
			}
			c.Status.Members = append(c.Status.Members, v1.MemberStatus{Pod: p, Role: role, State: "ONLINE",
				Health: "Online"})
		}
		return k8s.Status().Update(ctx, c)
	})
}

func waitPrimary(t *testing.T, addr, want string) {
	t.Helper()
	q := new(dns.Msg).SetQuestion("_mysqlx._tcp.primary.db.default.mysql.orca.internal.", dns.TypeSRV)
	testutil.Eventually(t, 30*time.Second, func() error {
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(q, addr)
		if err != nil {
			return err
		}
		if len(r.Answer) != 1 || r.Answer[0].(*dns.SRV).Target != want || r.Answer[0].(*dns.SRV).Port != 33060 {
			return &unexpected{r}
		}
		return nil
	})
}

type unexpected struct{ r *dns.Msg }

func (u *unexpected) Error() string { return "unexpected answer: " + u.r.String() }

const transferKey = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM="

func transferKeySecret(ctx context.Context, t *testing.T, k8s client.Client) types.NamespacedName {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "dns-transfer", Namespace: "default"},
		Data: map[string][]byte{"keyName": []byte("secondary-ns"), "secret": []byte(transferKey)}}
	if err := k8s.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	return client.ObjectKeyFromObject(s)
}

// checkTransfer: an AXFR signed with the Secret's key gets the zone with the cluster's SRV records; unsigned
// or signed with another secret, it is refused.
func checkTransfer(t *testing.T, addr string) {
	t.Helper()
	if n, err := axfr(addr, transferKey); err != nil || n == 0 {
		t.Fatalf("signed AXFR: %d SRV records, %v", n, err)
	}
	for _, secret := range []string{"", "b3RoZXItc2VjcmV0LW9mLXRoZS1zYW1lLWxlbmd0aA=="} {
		if n, err := axfr(addr, secret); err == nil {
			t.Errorf("AXFR with secret %q answered with %d SRV records, want a refusal", secret, n)
		}
	}
}

func axfr(addr, secret string) (int, error) {
	m := new(dns.Msg).SetAxfr("mysql.orca.internal.")
	tr := &dns.Transfer{}
	if secret != "" {
		m.SetTsig("secondary-ns.", dns.HmacSHA256, 300, time.Now().Unix())
		tr.TsigSecret = map[string]string{"secondary-ns.": secret}
	}
	envs, err := tr.In(m, addr)
	if err != nil {
		return 0, err
	}
	srv := 0
	for e := range envs {
		if e.Error != nil {
			return srv, e.Error
		}
		for _, rr := range e.RR {
			if _, ok := rr.(*dns.SRV); ok {
				srv++
			}
		}
	}
	return srv, nil
}
