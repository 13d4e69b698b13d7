package controllers

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/testutil"
)

// The suite runs the reconciler in a real manager against a real kube-apiserver + etcd.
var (
	k8s client.Client
	// k8sWatch watches the API server (tests that count an object's writes).
	k8sWatch   client.WithWatch
	reconciler *InnoDBClusterReconciler
	// uncached is the InnoDBCluster reconciler's APIReader: it records which Secrets Orca generated it read.
	uncached *countingReader
	loops    = &recordingLoops{}
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 1
	}
	defer stop()

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		return 1
	}
	uncached = &countingReader{Reader: mgr.GetAPIReader()}
	reconciler = &InnoDBClusterReconciler{
		Client: mgr.GetClient(), APIReader: uncached, Scheme: scheme,
		Recorder: mgr.GetEventRecorder("orca"), OrcaImage: "orca:test", Loops: loops,
	}
	if err := reconciler.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	backups := &MySQLBackupReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: scheme,
		Recorder: mgr.GetEventRecorder("orca"), OrcaImage: "orca:test"}
	if err := backups.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, "setup backups:", err)
		return 1
	}
	restores := &MySQLRestoreReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: scheme,
		Recorder: mgr.GetEventRecorder("orca"), OrcaImage: "orca:test"}
	if err := restores.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, "setup restores:", err)
		return 1
	}
	runs := &MigrationRunReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: scheme,
		OrcaImage: "orca:test", SRVZone: "mysql.orca.internal", Recorder: mgr.GetEventRecorder("orca")}
	if err := runs.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, "setup migration runs:", err)
		return 1
	}
	if err := (&MigrationHookReconciler{Client: mgr.GetClient(), ExternalURL: "https://hooks.example.com/"}).SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, "setup migration hooks:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()
	k8sWatch, err = client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	k8s = k8sWatch
	return m.Run()
}

func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testutil.Eventually(t, timeout, fn)
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.GenerateName = "orca-test-"
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// recordingLoops stands in for the clustering loops and records wake-ups.
type recordingLoops struct {
	mu               sync.Mutex
	woken, forgotten map[string]int
}

func (l *recordingLoops) Wake(key client.ObjectKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.woken == nil {
		l.woken = map[string]int{}
	}
	l.woken[key.String()]++
}

func (l *recordingLoops) Forget(key client.ObjectKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.forgotten == nil {
		l.forgotten = map[string]int{}
	}
	l.forgotten[key.String()]++
}

func (l *recordingLoops) counts(key client.ObjectKey) (woken, forgotten int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.woken[key.String()], l.forgotten[key.String()]
}

func reconcileRequest(ns string) ctrl.Request {
	return ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: "db"}}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// countingReader records the reads of Secrets Orca generated (labelled managed-by orca) by namespace.
type countingReader struct {
	client.Reader
	mu    sync.Mutex
	reads map[string][]string
}

func (r *countingReader) Get(ctx context.Context, k client.ObjectKey, obj client.Object,
	opts ...client.GetOption) error {
	err := r.Reader.Get(ctx, k, obj, opts...)
	if s, ok := obj.(*corev1.Secret); ok && err == nil && s.Labels[v1.LabelManagedBy] == v1.ManagedByOrca {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.reads == nil {
			r.reads = map[string][]string{}
		}
		r.reads[k.Namespace] = append(r.reads[k.Namespace], k.Name)
	}
	return err
}

// secretReads are the reads of Orca's Secrets in ns so far.
func (r *countingReader) secretReads(ns string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reads[ns]...)
}
