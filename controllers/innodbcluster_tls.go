package controllers

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// tlsOutcome is what the rest of the reconcile needs of the TLS Secrets.
type tlsOutcome struct {
	// hash is the pod template's AnnotationTLSHash.
	hash string
	// groupSSLMode is group_replication_ssl_mode for the shared my.cnf.
	groupSSLMode string
	// next is when the Secrets need looking at again (a renewal is due, or a user's Secret may have changed).
	next time.Time
	// trust is how clients verify the members (the routers are given it).
	trust tlsca.Trust
	// reason and message make the TLSReady condition.
	reason  v1.ConditionReason
	message string
}

// tlsError is a TLS Secret that cannot be used; its reason is TLSReady's.
type tlsError struct {
	reason v1.ConditionReason
	msg    string
}

func (e *tlsError) Error() string { return "tls: " + e.msg }

// userTLSRecheck is how often a user's TLS Secrets are read again: Orca does not watch Secrets it does not own,
// and a renewal by cert-manager must roll the members.
const userTLSRecheck = 10 * time.Minute

// ensureTLS makes sure every member has a certificate: issued by Orca's CA (renewed when due) or the user's.
func (r *InnoDBClusterReconciler) ensureTLS(ctx context.Context, c *v1.InnoDBCluster) (tlsOutcome, error) {
	var out tlsOutcome
	var err error
	if specs.ManagedTLS(c) {
		out, err = r.ensureManagedTLS(ctx, c)
	} else {
		out, err = r.checkUserTLS(ctx, c)
	}
	if err != nil {
		return out, err
	}
	var pods corev1.PodList
	if err := r.List(ctx, &pods, inCluster(c)...); err != nil {
		return out, fmt.Errorf("list pods: %w", err)
	}
	out.groupSSLMode = specs.GroupSSLModeFor(out.groupSSLMode, pods.Items)
	return out, nil
}

func (r *InnoDBClusterReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// ensureManagedTLS creates the CA once, replaces it when it is due, and keeps <name>-tls holding a current
// certificate for every member that may run (tlsca.Decide).
func (r *InnoDBClusterReconciler) ensureManagedTLS(ctx context.Context, c *v1.InnoDBCluster) (tlsOutcome, error) {
	now := r.now()
	caSecret, err := r.createOnce(ctx, c, specs.CASecretName(c), func(c *v1.InnoDBCluster) (*corev1.Secret, error) {
		ca, err := specs.NewClusterCA(c, now, r.TLSPolicy)
		return specs.CASecret(c, ca), err
	})
	if err != nil {
		return tlsOutcome{}, err
	}
	ca, caInfo, err := specs.CAOf(caSecret)
	if err != nil {
		return tlsOutcome{}, &tlsError{v1.ReasonTLSSecretInvalid, err.Error()}
	}
	// From the cache, as the CA: a copy older than the last write plans that write again, and its patch's
	// optimistic lock turns it into a conflict (retried); one not cached yet goes through createOnce.
	current, err := r.cachedSecret(ctx, c.Namespace, specs.ServerTLSSecretName(c))
	if err != nil && !apierrors.IsNotFound(err) {
		return tlsOutcome{}, err
	}
	if err != nil {
		current = nil
	}
	want := specs.WantedMemberCerts(c, max(c.Spec.Instances, specs.ReplicasDuringScaleDown(c)), r.ClusterZone,
		r.DNSZone)
	var data map[string][]byte
	if current != nil {
		data = current.Data
	}
	plan := tlsca.Decide(specs.MemberCertState(caInfo, data, want), want, now, r.TLSPolicy)
	if plan.NewCA {
		if ca, caInfo, err = r.renewCA(ctx, c, caSecret, now); err != nil {
			return tlsOutcome{}, err
		}
		plan = tlsca.Decide(specs.MemberCertState(caInfo, data, want), want, now, r.TLSPolicy)
	}
	stored, err := r.storeMemberCerts(ctx, c, current, plan, ca, want, now)
	if err != nil {
		return tlsOutcome{}, err
	}
	state := specs.MemberCertState(caInfo, stored.Data, want)
	return tlsOutcome{hash: specs.ManagedTLSHash(stored), groupSSLMode: specs.GroupSSLVerifyIdentity,
		trust: tlsca.Trust{Bundle: stored.Data[specs.KeyCACert]},
		next:  tlsca.NextCheck(state, r.TLSPolicy), reason: v1.ReasonCertificatesIssued,
		message: fmt.Sprintf("Orca's CA (Secret %s) issued a certificate to each of %d members (Secret %s)",
			caSecret.Name, len(want), stored.Name)}, nil
}

// renewCA replaces the CA in its Secret; the old one stays in the trust bundle until it expires.
func (r *InnoDBClusterReconciler) renewCA(ctx context.Context, c *v1.InnoDBCluster, s *corev1.Secret,
	now time.Time) (tlsca.KeyPair, tlsca.Info, error) {
	ca, err := specs.NewClusterCA(c, now, r.TLSPolicy)
	if err != nil {
		return tlsca.KeyPair{}, tlsca.Info{}, err
	}
	patch := client.MergeFromWithOptions(s.DeepCopy(), client.MergeFromWithOptimisticLock{})
	s.Data = map[string][]byte{specs.KeyCACert: ca.CertPEM, specs.KeyCAKey: ca.KeyPEM}
	if err := r.Patch(ctx, s, patch, client.FieldOwner(FieldOwner)); err != nil {
		return tlsca.KeyPair{}, tlsca.Info{}, fmt.Errorf("renew CA in secret %s: %w", s.Name, err)
	}
	emit(r.Recorder, c, events.CARenewed, "renewed the CA in secret %s; the previous one stays trusted until it "+
		"expires", s.Name)
	return specs.CAOf(s)
}

// storeMemberCerts applies the plan to <name>-tls (creating it the first time) and returns what is stored.
func (r *InnoDBClusterReconciler) storeMemberCerts(ctx context.Context, c *v1.InnoDBCluster, current *corev1.Secret,
	plan tlsca.Plan, ca tlsca.KeyPair, want map[string][]string, now time.Time) (*corev1.Secret, error) {
	if current != nil && plan.Empty() {
		return current, nil
	}
	var old map[string][]byte
	if current != nil {
		old = current.Data
	}
	data, err := specs.ApplyCertPlan(old, plan, ca, want, now, r.TLSPolicy)
	if err != nil {
		return nil, err
	}
	if current == nil {
		build := func(*v1.InnoDBCluster) (*corev1.Secret, error) { return specs.MemberTLSSecret(c, data, 0), nil }
		return r.createOnce(ctx, c, specs.ServerTLSSecretName(c), build)
	}
	patch := client.MergeFromWithOptions(current.DeepCopy(), client.MergeFromWithOptimisticLock{})
	epoch := specs.TLSEpoch(current)
	if plan.Rolls() {
		epoch++
	}
	current.Data = data
	if current.Annotations == nil {
		current.Annotations = map[string]string{}
	}
	current.Annotations[v1.AnnotationTLSEpoch] = fmt.Sprint(epoch)
	if err := r.Patch(ctx, current, patch, client.FieldOwner(FieldOwner)); err != nil {
		return nil, fmt.Errorf("store certificates in secret %s: %w", current.Name, err)
	}
	emit(r.Recorder, c, events.CertificatesIssued, "issued certificates: %s", describeIssues(plan))
	return current, nil
}

func describeIssues(p tlsca.Plan) string {
	out := ""
	for i, is := range p.Issue {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s (%s)", is.Member, is.Reason)
	}
	if len(p.Drop) > 0 {
		out += fmt.Sprintf("; dropped %v", p.Drop)
	}
	if p.Rolls() {
		out += "; the members restart one at a time to load them"
	}
	return out
}

// checkUserTLS validates spec.tlsSecretName and its CA; their contents' hash rolls the members when it changes.
func (r *InnoDBClusterReconciler) checkUserTLS(ctx context.Context, c *v1.InnoDBCluster) (tlsOutcome, error) {
	srv, err := r.userTLSSecret(ctx, c, specs.ServerTLSSecretName(c), specs.KeyTLSCert, specs.KeyTLSKey)
	if err != nil {
		return tlsOutcome{}, err
	}
	trust, err := r.userTLSSecret(ctx, c, specs.TrustSecretName(c), specs.KeyCACert)
	if err != nil {
		return tlsOutcome{}, err
	}
	hosts := make([]string, 0, c.Spec.Instances)
	for i := 0; i < int(max(c.Spec.Instances, specs.ReplicasDuringScaleDown(c))); i++ {
		hosts = append(hosts, specs.MemberHost(c, i, r.ClusterZone))
	}
	return judgeUserTLS(srv, trust, hosts, r.now())
}

func (r *InnoDBClusterReconciler) userTLSSecret(ctx context.Context, c *v1.InnoDBCluster, name string,
	keys ...string) (*corev1.Secret, error) {
	s, err := r.readSecret(ctx, c.Namespace, name)
	if apierrors.IsNotFound(err) {
		return nil, &tlsError{v1.ReasonTLSSecretMissing, fmt.Sprintf("secret %s does not exist", name)}
	}
	if err != nil {
		return nil, err
	}
	if missing := specs.MissingKeys(s, keys...); len(missing) > 0 {
		return nil, &tlsError{v1.ReasonTLSSecretMissing, fmt.Sprintf("secret %s lacks keys %v", name, missing)}
	}
	return s, nil
}

// judgeUserTLS checks the user's certificate against the user's CA at now: it must match its key and chain to
// the CA. Whether it names every member decides VERIFY_IDENTITY or VERIFY_CA.
func judgeUserTLS(srv, trust *corev1.Secret, hosts []string, now time.Time) (tlsOutcome, error) {
	if _, err := tls.X509KeyPair(srv.Data[specs.KeyTLSCert], srv.Data[specs.KeyTLSKey]); err != nil {
		return tlsOutcome{}, &tlsError{v1.ReasonTLSSecretInvalid, fmt.Sprintf("secret %s: %v", srv.Name, err)}
	}
	cert, err := tlsca.ParseCert(srv.Data[specs.KeyTLSCert])
	if err != nil {
		return tlsOutcome{}, &tlsError{v1.ReasonTLSSecretInvalid, fmt.Sprintf("secret %s: %v", srv.Name, err)}
	}
	pool, err := tlsca.Pool(trust.Data[specs.KeyCACert])
	if err != nil {
		return tlsOutcome{}, &tlsError{v1.ReasonTLSSecretInvalid, fmt.Sprintf("secret %s: %s: %v", trust.Name,
			specs.KeyCACert, err)}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return tlsOutcome{}, &tlsError{v1.ReasonCertificateUntrusted, fmt.Sprintf(
			"the certificate in secret %s does not verify with the CA in secret %s: %v", srv.Name, trust.Name, err)}
	}
	if len(cert.DNSNames) == 0 {
		return tlsOutcome{}, &tlsError{v1.ReasonTLSSecretInvalid, fmt.Sprintf(
			"the certificate in secret %s has no DNS name: nothing could be verified", srv.Name)}
	}
	sum := sha256.New()
	for _, b := range [][]byte{srv.Data[specs.KeyTLSCert], srv.Data[specs.KeyTLSKey], trust.Data[specs.KeyCACert]} {
		sum.Write(b)
		sum.Write([]byte{0})
	}
	out := tlsOutcome{hash: "user-" + hex.EncodeToString(sum.Sum(nil)[:8]), groupSSLMode: specs.GroupSSLVerifyIdentity,
		trust: tlsca.TrustFor(trust.Data[specs.KeyCACert], cert.DNSNames, hosts),
		next:  now.Add(userTLSRecheck), reason: v1.ReasonTLSSecretValid,
		message: fmt.Sprintf("secret %s is signed by the CA in secret %s and valid for every member's name",
			srv.Name, trust.Name)}
	if !tlsca.CoversAll(cert.DNSNames, hosts) {
		out.groupSSLMode = specs.GroupSSLVerifyCA
		out.message = fmt.Sprintf("secret %s is signed by the CA in secret %s but not valid for every member's "+
			"name (%s): members verify each other's CA only (VERIFY_CA)", srv.Name, trust.Name, hosts[0])
	}
	return out, nil
}

// writeTLSCondition records TLSReady; an event marks the turn to False.
func (r *InnoDBClusterReconciler) writeTLSCondition(ctx context.Context, c *v1.InnoDBCluster, o tlsOutcome,
	tlsErr error) error {
	status, reason, msg := metav1.ConditionTrue, o.reason, o.message
	var te *tlsError
	switch {
	case errors.As(tlsErr, &te):
		status, reason, msg = metav1.ConditionFalse, te.reason, te.msg
	case tlsErr != nil:
		return nil // an API error: ResourcesReady says it, TLSReady keeps what it knew
	}
	mutate := func(cl *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		clusterstatus.SetCondition(s, cl.Generation, v1.ConditionTLSReady, status, reason, msg)
	}
	if _, err := clusterstatus.Update(ctx, r.Client, client.ObjectKeyFromObject(c), mutate); err != nil {
		return err
	}
	if status == metav1.ConditionFalse &&
		clusterstatus.ConditionStatus(&c.Status, v1.ConditionTLSReady) != metav1.ConditionFalse {
		emit(r.Recorder, c, events.TLSInvalid, "%s", msg)
	}
	return nil
}

// tlsRequeue is when to look at the TLS Secrets again: at the next renewal, at least every 12 hours.
func tlsRequeue(o tlsOutcome, now time.Time) time.Duration {
	d := o.next.Sub(now)
	return min(max(d, time.Second), 12*time.Hour)
}
