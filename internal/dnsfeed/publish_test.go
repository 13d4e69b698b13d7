package dnsfeed

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/dnssrv/rfc2136"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
)

const (
	pubZone   = "mysql.example.com"
	pubSecret = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM="
)

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		err    error
		reason v1.ConditionReason
	}{
		{nil, v1.ReasonDNSPublished},
		{fmt.Errorf("x: %w", rfc2136.ErrTSIG), v1.ReasonDNSTSIGError},
		{fmt.Errorf("x: %w", rfc2136.ErrRefused), v1.ReasonDNSUpdateRefused},
		{fmt.Errorf("x: %w", rfc2136.ErrConflict), v1.ReasonDNSConflict},
		{errors.New("dial tcp: connection refused"), v1.ReasonDNSUnreachable},
	} {
		status, reason, _ := Outcome(tc.err, "ns:53")
		if reason != tc.reason || (status == metav1.ConditionTrue) != (tc.err == nil) {
			t.Errorf("%v: %s %s, want %s", tc.err, status, reason, tc.reason)
		}
	}
}

// The leader publishes the records derived from a cluster's status into a real BIND 9; a wrong TSIG secret
// turns DNSPublished False with DNSTSIGError.
func TestPublishesStatusRecordsToBIND(t *testing.T) {
	envtestutil.SetLogger()
	bind := peers.StartBIND(t, peers.BINDConfig{Zone: pubZone, Keys: map[string]string{"orca": pubSecret},
		UpdateKeys: []string{"orca"}})
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	k8s := startFeed(t, cfg, bind.Addr)
	ctx := context.Background()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tsig", Namespace: "default"},
		Data: map[string][]byte{SecretKeyName: []byte("orca"), SecretKey: []byte(pubSecret)}}
	must(t, k8s.Create(ctx, secret))
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: v1.InnoDBClusterSpec{Instances: 1, Version: "8.4.3"}}
	must(t, k8s.Create(ctx, c))
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0", Namespace: "default",
		Labels: map[string]string{v1.LabelCluster: "db", v1.LabelComponent: v1.ComponentMySQL}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql"}}}}
	must(t, k8s.Create(ctx, p))
	p.Status.PodIP = "10.7.0.1"
	must(t, k8s.Status().Update(ctx, p))
	testutil.Eventually(t, 10*time.Second, func() error { // the publisher writes the status too
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
			return err
		}
		c.Status.Members = []v1.MemberStatus{{Pod: "db-0", Role: "PRIMARY", State: "ONLINE", Health: "Online"}}
		return k8s.Status().Update(ctx, c)
	})

	name := "_mysql._tcp.primary.db.default." + pubZone + "."
	testutil.Eventually(t, 30*time.Second, func() error {
		r, _, err := (&dns.Client{Net: "tcp"}).Exchange(new(dns.Msg).SetQuestion(name, dns.TypeSRV), bind.Addr)
		if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.SRV).Target != "db-0.db.default."+pubZone+"." {
			return fmt.Errorf("BIND answers %v: %w", r, err)
		}
		return condition(ctx, k8s, v1.ReasonDNSPublished)
	})
	secret.Data[SecretKey] = []byte("d3Jvbmctc2VjcmV0LWZvci10aGUtb3JjYS1rZXktMTIz")
	must(t, k8s.Update(ctx, secret))
	testutil.Eventually(t, 30*time.Second, func() error { return condition(ctx, k8s, v1.ReasonDNSTSIGError) })
}

func startFeed(t *testing.T, cfg *rest.Config, bindAddr string) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, v1.AddToScheme(scheme))
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	must(t, err)
	pub := &Publisher{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Server: bindAddr, Zone: pubZone,
		KeySecret: types.NamespacedName{Namespace: "default", Name: "tsig"}, Resync: 200 * time.Millisecond}
	store := &dnssrv.Store{Config: dnssrv.ZoneConfig{Zone: pubZone},
		Publish: func(z *dnssrv.Zone) error { pub.Notify(z); return nil }}
	must(t, mgr.Add(pub))
	must(t, (&StatusReconciler{Client: mgr.GetClient(), Store: store}).SetupWithManager(mgr))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() { cancel(); must(t, <-done) })
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	must(t, err)
	return k8s
}

func condition(ctx context.Context, k8s client.Client, reason v1.ConditionReason) error {
	var c v1.InnoDBCluster
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: "default", Name: "db"}, &c); err != nil {
		return err
	}
	cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionDNSPublished))
	if cond == nil || cond.Reason != string(reason) {
		return fmt.Errorf("DNSPublished %+v, want reason %s", cond, reason)
	}
	return nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
