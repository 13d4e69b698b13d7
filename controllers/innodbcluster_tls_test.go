package controllers

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
)

// verifyMember checks the member's certificate in the <name>-tls data against its trust bundle for name.
func verifyMember(data map[string][]byte, pod, name string, at time.Time) error {
	pool, err := tlsca.Pool(data[specs.KeyCACert])
	if err != nil {
		return err
	}
	cert, err := tlsca.ParseCert(data[specs.MemberCertKey(pod)])
	if err != nil {
		return err
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: at})
	return err
}

func tlsCondition(t *testing.T, ns string) *metav1.Condition {
	t.Helper()
	var c v1.InnoDBCluster
	if err := k8s.Get(context.Background(), key(ns, "db"), &c); err != nil {
		t.Fatal(err)
	}
	return meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionTLSReady))
}

// A new cluster gets Orca's CA (kept apart, never mounted) and a certificate per member for its stable names;
// the pods mount the certificates and the bundle, and my.cnf makes every channel verify them.
func TestManagedTLSIssuesACertificatePerMember(t *testing.T) {
	ns := newNamespace(t)
	c := createCluster(t, newCluster(ns, "db"))
	caSecret := get(t, key(ns, "db-ca"), &corev1.Secret{})
	if err := ownedBy(caSecret, c); err != nil {
		t.Fatal(err)
	}
	var data map[string][]byte
	eventually(t, wait, func() error {
		data = get(t, key(ns, "db-tls"), &corev1.Secret{}).Data
		if len(data) != 7 { // ca.crt and a certificate and key for each of the 3 members
			return fmt.Errorf("db-tls has keys %v", keys(data))
		}
		return nil
	})
	if _, ok := data[specs.KeyCAKey]; ok {
		t.Fatal("the CA's key is in the Secret the pods mount")
	}
	for i := 0; i < 3; i++ {
		pod := fmt.Sprintf("db-%d", i)
		for _, name := range []string{pod + ".db-instances." + ns + ".svc.cluster.local", pod + ".db-instances." + ns,
			"db-primary." + ns + ".svc"} {
			if err := verifyMember(data, pod, name, time.Now()); err != nil {
				t.Errorf("%s for %s: %v", pod, name, err)
			}
		}
	}
	if err := verifyMember(data, "db-0", "db-1.db-instances."+ns+".svc.cluster.local", time.Now()); err == nil {
		t.Error("db-0's certificate is valid for db-1's name")
	}
	sts := get(t, key(ns, "db"), &appsv1.StatefulSet{})
	pod := sts.Spec.Template
	if pod.Annotations[v1.AnnotationTLSHash] == "" || !contains(fmt.Sprint(pod.Spec.InitContainers[0].Command),
		"--tls-member-certs") {
		t.Fatalf("pod template: annotations %v, init %v", pod.Annotations, pod.Spec.InitContainers[0].Command)
	}
	cm := get(t, key(ns, "db-mycnf"), &corev1.ConfigMap{})
	for _, opt := range []string{"ssl_ca=/etc/mysql/tls-ca/ca.crt", "loose_group_replication_ssl_mode=VERIFY_IDENTITY",
		"loose_group_replication_recovery_ssl_verify_server_cert=ON"} {
		if !contains(cm.Data[specs.MyCnfKey], opt) {
			t.Errorf("my.cnf lacks %s", opt)
		}
	}
	eventually(t, wait, func() error {
		if cond := tlsCondition(t, ns); cond == nil || cond.Reason != string(v1.ReasonCertificatesIssued) {
			return fmt.Errorf("TLSReady %+v", cond)
		}
		return nil
	})
}

// Once its Secrets exist, a reconcile reads them from the informer cache: none from the API server, <name>-tls
// included (it was read uncached in every reconcile, so each pod event during a failover cost a Secret GET).
func TestReconcileReadsOrcasSecretsFromTheCache(t *testing.T) {
	ns := newNamespace(t)
	c := createCluster(t, newCluster(ns, "db"))
	eventually(t, wait, func() error {
		if cond := tlsCondition(t, ns); cond == nil || cond.Reason != string(v1.ReasonCertificatesIssued) {
			return fmt.Errorf("TLSReady %+v", cond)
		}
		return nil
	})
	before := len(uncached.secretReads(ns))
	for i := range 3 {
		woken, _ := loops.counts(key(ns, "db"))
		if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) {
			metav1.SetMetaDataAnnotation(&c.ObjectMeta, "test.orca.dev/nudge", fmt.Sprint(i))
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, wait, func() error { // the reconcile wakes the loop as it ends
			if now, _ := loops.counts(key(ns, "db")); now == woken {
				return fmt.Errorf("no reconcile of %s yet", c.Name)
			}
			return nil
		})
	}
	if reads := uncached.secretReads(ns)[before:]; len(reads) > 0 {
		t.Fatalf("three reconciles read Orca's Secrets %v from the API server; want the cache", reads)
	}
}

// Renewal: a certificate due for renewal is re-issued and the pod template's hash changes, which rolls the
// members one at a time; a member added by scaling gets its first certificate without rolling the others.
func TestManagedTLSRenewsAndRollsOnlyWhenLoadedCertificatesChange(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	hashOf := func() string {
		return get(t, key(ns, "db"), &appsv1.StatefulSet{}).Spec.Template.Annotations[v1.AnnotationTLSHash]
	}
	eventually(t, wait, func() error {
		if hashOf() == "" {
			return errors.New("no TLS hash yet")
		}
		return nil
	})
	before, data := hashOf(), get(t, key(ns, "db-tls"), &corev1.Secret{}).Data
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Instances = 4 }); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		if d := get(t, key(ns, "db-tls"), &corev1.Secret{}).Data; d[specs.MemberCertKey("db-3")] == nil {
			return errors.New("no certificate for db-3 yet")
		}
		return nil
	})
	if after := hashOf(); after != before {
		t.Fatalf("adding a member's certificate changed the pods' TLS hash %s -> %s", before, after)
	}
	// 70 days later the 90-day certificates are within their last 30 days.
	later := time.Now().Add(70 * 24 * time.Hour)
	r := *reconciler
	r.Now = func() time.Time { return later }
	var renewed *corev1.Secret
	eventually(t, wait, func() error { // a reconcile that read a cached copy older than db-3's lost the race
		if _, err := r.Reconcile(context.Background(), reconcileRequest(ns)); err != nil {
			t.Fatal(err)
		}
		renewed = get(t, key(ns, "db-tls"), &corev1.Secret{})
		if string(renewed.Data[specs.MemberCertKey("db-0")]) == string(data[specs.MemberCertKey("db-0")]) {
			return errors.New("db-0's certificate was not renewed")
		}
		return nil
	})
	if err := verifyMember(renewed.Data, "db-0", "db-0.db-instances."+ns+".svc.cluster.local", later); err != nil {
		t.Fatalf("renewed certificate at its time: %v", err)
	}
	eventually(t, wait, func() error {
		if hashOf() == before {
			return errors.New("the renewal did not change the pods' TLS hash")
		}
		return nil
	})
}

// A user's certificate is checked against the user's CA: one another CA signed turns TLSReady False with
// CertificateUntrusted and an event, and the members are not given it.
func TestUserTLSSecretFromAnotherCAIsRefused(t *testing.T) {
	ns := newNamespace(t)
	theirs, other := tlscatest.New(t), tlscatest.New(t)
	leaf := other.Issue("*.db-instances." + ns + ".svc.cluster.local")
	mk := func(name string, data map[string][]byte) {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
		if err := k8s.Create(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	mk("mine", map[string][]byte{specs.KeyTLSCert: leaf.CertPEM, specs.KeyTLSKey: leaf.KeyPEM})
	mk("my-ca", map[string][]byte{specs.KeyCACert: theirs.Bundle()})
	c := newCluster(ns, "db")
	c.Spec.TLSSecretName, c.Spec.TLSCASecretName = "mine", "my-ca"
	createCluster(t, c)
	eventually(t, wait, func() error {
		cond := tlsCondition(t, ns)
		if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != string(v1.ReasonCertificateUntrusted) ||
			!contains(cond.Message, "does not verify with the CA in secret my-ca") {
			return fmt.Errorf("TLSReady %+v", cond)
		}
		return nil
	})
	var sts appsv1.StatefulSet
	if err := k8s.Get(context.Background(), key(ns, "db"), &sts); err == nil {
		t.Fatal("the members were created with a certificate their clients cannot verify")
	}
}

func TestJudgeUserTLS(t *testing.T) {
	ca := tlscatest.New(t)
	hosts := []string{"db-0.db-instances.ns.svc.cluster.local", "db-1.db-instances.ns.svc.cluster.local"}
	trust := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ca"},
		Data: map[string][]byte{specs.KeyCACert: ca.Bundle()}}
	srv := func(kp tlsca.KeyPair) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"},
			Data: map[string][]byte{specs.KeyTLSCert: kp.CertPEM, specs.KeyTLSKey: kp.KeyPEM}}
	}
	wild := ca.Issue("*.db-instances.ns.svc.cluster.local")
	o, err := judgeUserTLS(srv(wild), trust, hosts, time.Now())
	if err != nil || o.groupSSLMode != specs.GroupSSLVerifyIdentity || o.reason != v1.ReasonTLSSecretValid {
		t.Fatalf("wildcard: %+v %v", o, err)
	}
	o2, err := judgeUserTLS(srv(ca.Issue("db.example.org")), trust, hosts, time.Now())
	if err != nil || o2.groupSSLMode != specs.GroupSSLVerifyCA || o2.hash == o.hash {
		t.Fatalf("other names: %+v %v", o2, err)
	}
	mismatched := srv(wild)
	mismatched.Data[specs.KeyTLSKey] = ca.Issue("x").KeyPEM
	var te *tlsError
	if _, err := judgeUserTLS(mismatched, trust, hosts, time.Now()); !errors.As(err, &te) ||
		te.reason != v1.ReasonTLSSecretInvalid {
		t.Fatalf("a key of another certificate: %v", err)
	}
	if _, err := judgeUserTLS(srv(wild), trust, hosts, time.Now().Add(48*time.Hour)); !errors.As(err, &te) ||
		te.reason != v1.ReasonCertificateUntrusted {
		t.Fatalf("expired: %v", err)
	}
}
