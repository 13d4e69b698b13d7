package dnsfeed

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/dnssrv"
)

func pod(name, ip string) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{PodIP: ip}}
}

func queue(n int64) *int64 { return &n }

func statusCluster() *v1.InnoDBCluster {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns",
		Annotations: map[string]string{v1.AnnotationDNSWeights: "db-0=5, db-2 = 7,bad,db-1=70000",
			v1.AnnotationDNSLagThreshold: "10"}}}
	c.Status.Members = []v1.MemberStatus{
		{Pod: "db-0", Role: "PRIMARY", State: "ONLINE", Health: "Online", ApplierQueue: queue(0)},
		{Pod: "db-1", Role: "SECONDARY", State: "ONLINE", Health: "Online", ApplierQueue: queue(11)},
		{Pod: "db-2", Role: "SECONDARY", State: "ONLINE", Health: "NoQuorum"},
		{Pod: "db-3", Role: "SECONDARY", State: "RECOVERING", Health: "Recovering"},
	}
	return c
}

func srvLines(z *dnssrv.Zone, name string) string {
	var out []string
	for _, rr := range z.Lookup(name, dns.TypeSRV).Answer {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return strings.Join(out, "; ")
}

func TestFromStatusFollowsHealthNotReadiness(t *testing.T) {
	pods := []corev1.Pod{pod("db-0", "10.1.0.1"), pod("db-1", "10.1.0.2"), pod("db-2", "10.1.0.3"),
		pod("db-3", "10.1.0.4")}
	c := FromStatus(statusCluster(), pods, "")
	if c.LagThreshold != 10 || c.Weights["db-0"] != 5 || c.Weights["db-2"] != 7 || len(c.Weights) != 2 {
		t.Fatalf("settings: threshold %d weights %v", c.LagThreshold, c.Weights)
	}
	z, err := dnssrv.Build(dnssrv.ZoneConfig{}, []dnssrv.Cluster{c})
	if err != nil {
		t.Fatal(err)
	}
	got := srvLines(z, "_mysql._tcp.db.ns.mysql.orca.internal.")
	want := "0 5 3306 db-0.db.ns.mysql.orca.internal.; 10 0 3306 db-1.db.ns.mysql.orca.internal."
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFromStatusRouterOnlyWhenReady(t *testing.T) {
	c := statusCluster()
	c.Status.Router = &v1.RouterStatus{ReadyReplicas: 0, ReadWriteService: "db", ReadOnlyService: "db-ro"}
	if FromStatus(c, nil, "").Router != nil {
		t.Fatal("router names with no router Ready")
	}
	c.Status.Router.ReadyReplicas = 2
	r := FromStatus(c, nil, "k8s.example").Router
	if r == nil || r.RW.Host != "db.ns.svc.k8s.example" || r.RO.Host != "db-ro.ns.svc.k8s.example" ||
		r.RW.Port != 3306 || r.RO.XPort != 33060 {
		t.Fatalf("router %+v", r)
	}
}

func TestFromLoop(t *testing.T) {
	c := FromLoop(types.NamespacedName{Namespace: "ns", Name: "db"}, []clustering.ObservedMember{
		{Pod: "db-0", Role: "PRIMARY", State: "ONLINE", Online: true, PodIP: "10.1.0.1"},
		{Pod: "db-1", Role: "SECONDARY", State: "ONLINE", Online: false, PodIP: "10.1.0.2"},
	})
	if len(c.Members) != 2 || !c.Members[0].InMajority || c.Members[1].InMajority ||
		c.Members[0].IP.String() != "10.1.0.1" || c.Members[0].XPort != 33060 {
		t.Fatalf("%+v", c)
	}
}
