package simworld

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-sql-driver/mysql"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
	"github.com/orca-operator/orca/xprotocol"
)

// env is a kwok-simulated cluster with Orca's operator running in-process and a world playing its members.
type env struct {
	CP     *controlplane.ControlPlane
	Client client.Client
	Dialer *memberdial.Loopback
	World  *World
	// Net is the go-sql-driver network name that dials through Dialer.
	Net string
}

var registerNet sync.Once

const sqlNet = "simworld-loopback"

func startEnv(t *testing.T) *env {
	t.Helper()
	return startEnvWith(t, mysqlsim.Config{})
}

// startEnvWith starts an env whose groups use sim (a short Second makes Group Replication's timeouts short).
func startEnvWith(t *testing.T, sim mysqlsim.Config) *env {
	t.Helper()
	log := logr.Discard()
	if os.Getenv("ORCA_TEST_VERBOSE") != "" {
		log = zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr))
	}
	ctrl.SetLogger(log)
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true})
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
	maria := peers.StartMariaDB(t)
	e := &env{CP: cp, Dialer: memberdial.NewLoopback(), Net: sqlNet}
	// Another test may run members on 127.0.0.2 and up: start this world somewhere else in 127/8.
	base := fmt.Sprintf("127.%d.%d.2", 100+rand.IntN(100), rand.IntN(250))
	w, err := Start(context.Background(), Options{Config: cp.Config, Dialer: e.Dialer, DataDSN: maria.DSN(""),
		BaseAddress: base, Sim: sim, ContainerRestartDelay: time.Second, Logger: log.WithName("simworld"),
		MapFile: filepath.Join(t.TempDir(), "members.json")})
	if err != nil {
		t.Fatalf("start world: %v", err)
	}
	t.Cleanup(w.Stop)
	e.World = w
	startOperator(t, cp, e.Dialer)
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	if e.Client, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	registerNet.Do(func() {
		mysql.RegisterDialContext(sqlNet, func(ctx context.Context, addr string) (net.Conn, error) {
			return dialers.get().DialContext(ctx, "tcp", addr)
		})
	})
	dialers.set(e.Dialer)
	return e
}

// dialers lets the process-wide go-sql-driver network follow the current test's dialer.
var dialers loopbackHolder

type loopbackHolder struct {
	mu sync.Mutex
	l  *memberdial.Loopback
}

func (h *loopbackHolder) set(l *memberdial.Loopback) { h.mu.Lock(); h.l = l; h.mu.Unlock() }

func (h *loopbackHolder) get() *memberdial.Loopback { h.mu.Lock(); defer h.mu.Unlock(); return h.l }

// startOperator runs the real operator in-process, as test/e2e's harness does.
func startOperator(t *testing.T, cp *controlplane.ControlPlane, dialer memberdial.Dialer) {
	t.Helper()
	mgr, err := operator.New(cp.Config, operator.Options{MetricsAddr: "0", OrcaImage: "orca:simworld",
		Dialer: dialer, ResyncInterval: 2 * time.Second, SecondInstance: true}) // one per test of this binary
	if err != nil {
		t.Fatalf("build operator: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("operator stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("operator did not stop within 30s")
		}
	})
}

func (e *env) createCluster(t *testing.T, namespace, name string, instances int32,
	baseServerID int64) *v1.InnoDBCluster {
	t.Helper()
	ctx := context.Background()
	if namespace != "default" {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
		if err := e.Client.Create(ctx, ns); err != nil {
			t.Fatalf("create namespace: %v", err)
		}
	}
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
	c.Spec.Instances = instances
	c.Spec.BaseServerID = baseServerID
	c.Spec.Version = "8.4.3"
	c.Spec.DatadirVolumeClaimTemplate = &v1.DatadirVolumeClaim{Storage: "1Gi"}
	if err := e.Client.Create(ctx, c); err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) rootPassword(t *testing.T, c *v1.InnoDBCluster) string {
	t.Helper()
	var s corev1.Secret
	eventually(t, 30*time.Second, func() error {
		return e.Client.Get(context.Background(),
			client.ObjectKey{Namespace: c.Namespace, Name: specs.CredentialsSecretName(c)}, &s)
	})
	return string(s.Data[specs.KeyRootPassword])
}

// runningMember waits until the pod runs and its member is up.
func (e *env) runningMember(t *testing.T, c *v1.InnoDBCluster, ordinal int, timeout time.Duration) *mysqlsim.Member {
	t.Helper()
	pod := specs.PodName(c, ordinal)
	var m *mysqlsim.Member
	eventually(t, timeout, func() error {
		var p corev1.Pod
		if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: c.Namespace, Name: pod}, &p); err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
			return fmt.Errorf("pod %s is %s", pod, p.Status.Phase)
		}
		if m = e.World.Member(c.Namespace, pod); m == nil || !m.Up() {
			return fmt.Errorf("member %s not up", pod)
		}
		return nil
	})
	return m
}

// setCordoned marks every node (un)schedulable, so a deleted pod's successor stays Pending until uncordoned.
// Cordoning waits until the scheduler has seen it: a canary pod must be found unschedulable.
func (e *env) setCordoned(t *testing.T, on bool) {
	t.Helper()
	ctx := context.Background()
	var nodes corev1.NodeList
	if err := e.Client.List(ctx, &nodes); err != nil {
		t.Fatal(err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		patch := client.MergeFrom(n.DeepCopy())
		n.Spec.Unschedulable = on
		if err := e.Client.Patch(ctx, n, patch); err != nil {
			t.Fatalf("cordon %s: %v", n.Name, err)
		}
	}
	if !on {
		return
	}
	canary := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "cordon-canary-"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary"}}}}
	if err := e.Client.Create(ctx, canary); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Client.Delete(ctx, canary, client.GracePeriodSeconds(0)) }()
	eventually(t, 30*time.Second, func() error {
		if err := e.Client.Get(ctx, client.ObjectKeyFromObject(canary), canary); err != nil {
			return err
		}
		for _, cond := range canary.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable {
				return nil
			}
		}
		if node := canary.Spec.NodeName; node != "" {
			// The scheduler had not seen every node's cordon yet (node and pod updates reach it on separate
			// streams): try again with a fresh canary.
			_ = e.Client.Delete(ctx, canary, client.GracePeriodSeconds(0))
			canary = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "cordon-canary-"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary"}}}}
			if err := e.Client.Create(ctx, canary); err != nil {
				return err
			}
			return fmt.Errorf("canary landed on %s: the scheduler has not seen the cordon yet", node)
		}
		return fmt.Errorf("the scheduler has not judged the canary pod yet")
	})
}

func (e *env) deletePod(t *testing.T, c *v1.InnoDBCluster, ordinal int) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: specs.PodName(c, ordinal)}}
	if err := e.Client.Delete(context.Background(), pod); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
}

// identity is what a member answers to SELECT @@server_id, @@report_host, @@server_uuid.
type identity struct {
	ServerID   int64
	ReportHost string
	UUID       string
}

// xIdentity logs in over the X Protocol through the loopback dialer.
func (e *env) xIdentity(ctx context.Context, host, password string) (identity, error) {
	s, err := xprotocol.Dial(ctx, net.JoinHostPort(host, "33060"), xprotocol.Config{User: "root", Password: password,
		Dial: e.Dialer.DialContext})
	if err != nil {
		return identity{}, err
	}
	defer func() { _ = s.Close() }()
	res, err := s.Execute(ctx, "SELECT @@server_id, @@report_host, @@server_uuid")
	if err != nil {
		return identity{}, err
	}
	if len(res.Sets) != 1 || len(res.Sets[0].Rows) != 1 {
		return identity{}, fmt.Errorf("x result %+v", res.Sets)
	}
	row := res.Sets[0].Rows[0]
	id, err := row[0].AsInt64()
	if err != nil {
		return identity{}, fmt.Errorf("@@server_id %v: %w", row[0], err)
	}
	return identity{ServerID: id, ReportHost: row[1].String(), UUID: row[2].String()}, nil
}

// classicIdentity logs in over the classic protocol (go-sql-driver/mysql) through the loopback dialer.
func (e *env) classicIdentity(ctx context.Context, host, password string) (identity, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", password, e.Net, net.JoinHostPort(host, "3306")
	cfg.Timeout = 5 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return identity{}, err
	}
	defer func() { _ = db.Close() }()
	var id identity
	err = db.QueryRowContext(ctx, "SELECT @@server_id, @@report_host, @@server_uuid").Scan(&id.ServerID,
		&id.ReportHost, &id.UUID)
	return id, err
}

func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testutil.Eventually(t, timeout, fn)
}
