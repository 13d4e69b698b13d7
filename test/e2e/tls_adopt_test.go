package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// A cluster created by an Orca without TLS, modelled with the operator stopped: the pods lose
// mysql.orca.dev/tls-hash and Orca's CA and member certificates are deleted, so the running members serve
// certificates of a CA the restarted operator does not trust. The loop restarts them one at a time (never two
// members out of the group), the primary last after a switchover, then the my.cnf goes back to VERIFY_IDENTITY
// and the members roll once more, primary last; a client writes through the primary Service all along: no
// acknowledged write is lost, no member holds an errant transaction, and every member serves the certificate
// Orca stored for it.
func adoptsClusterCreatedBeforeTLS(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	oldRev := c.statefulSet().Status.UpdateRevision
	h.stopOperatorNow()
	c.makePreTLS()
	uids := c.podUIDs()
	h.startOperator()
	c.waitNewRevision(oldRev)
	// Both rolls: the adoption, then the one back to VERIFY_IDENTITY; the order is the adoption's.
	w := c.watchRoll(uids, 240*time.Second, c.adopted)
	t.Logf("adopted in order %v; primary when each pod went: %v", w.order, w.primary)
	if len(w.order) != 3 || w.order[2] != primary || w.primary[primary] == primary || w.primary[primary] == "" {
		t.Fatalf("adoption order %v (primary when each went %v): the primary %s must go last, after a switchover",
			w.order, w.primary, primary)
	}
	stored := c.tlsSecret()
	for pod := range c.pods() {
		if err := c.servesStoredCert(pod, stored); err != nil {
			t.Fatal(err)
		}
	}
}

// adopted: every pod carries the tls-hash annotation and runs the StatefulSet's current revision, whose my.cnf
// verifies the peers again.
func (c *cluster) adopted(pods map[string]*corev1.Pod) bool {
	var cm corev1.ConfigMap
	key := client.ObjectKey{Namespace: c.obj.Namespace, Name: specs.ConfigMapName(c.obj)}
	if err := c.h.Client.Get(context.Background(), key, &cm); err != nil ||
		!strings.Contains(cm.Data[specs.MyCnfKey], "group_replication_ssl_mode="+specs.GroupSSLVerifyIdentity) {
		return false
	}
	rev := c.statefulSet().Status.UpdateRevision
	for _, p := range pods {
		if _, ok := p.Annotations[v1.AnnotationTLSHash]; !ok || p.Labels[appsv1.StatefulSetRevisionLabel] != rev {
			return false
		}
	}
	return len(pods) == 3
}

// makePreTLS removes the tls-hash annotation from the member pods and deletes Orca's CA and member
// certificates (the operator must be stopped).
func (c *cluster) makePreTLS() {
	c.t.Helper()
	ctx := context.Background()
	for _, p := range c.pods() {
		patch := client.RawPatch(types.MergePatchType,
			[]byte(`{"metadata":{"annotations":{"`+v1.AnnotationTLSHash+`":null}}}`))
		if err := c.h.Client.Patch(ctx, p, patch); err != nil {
			c.t.Fatalf("remove the tls-hash of %s: %v", p.Name, err)
		}
	}
	for _, name := range []string{specs.CASecretName(c.obj), specs.ServerTLSSecretName(c.obj)} {
		s := &corev1.Secret{}
		s.Namespace, s.Name = c.obj.Namespace, name
		if err := c.h.Client.Delete(ctx, s); err != nil {
			c.t.Fatalf("delete secret %s: %v", name, err)
		}
	}
}
