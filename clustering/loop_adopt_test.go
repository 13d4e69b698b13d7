package clustering_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// A cluster created by an Orca without TLS: its pods lack mysql.orca.dev/tls-hash and its members serve
// certificates of a CA Orca does not trust (the test replaces Orca's CA under running members). The loop
// restarts them one at a time, without SQL, highest ordinal first, the primary (db-0, by its role label) last
// after a switchover to an adopted member; each comes back with Orca's certificate and rejoins. A writer on
// the primary runs throughout: afterwards every acknowledged write is on every member, the members' GTID sets
// agree (no errant transaction), and the loop verifies every member (ONLINE). The adopted members verify their
// peers' certificates with Orca's bundle when my.cnf asks for VERIFY_IDENTITY, so they can only join the members
// not adopted yet because my.cnf says REQUIRED while such a pod is left.
func TestLoopAdoptsAClusterCreatedBeforeTLS(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	wr := startSimWriter(t, w.members)
	w.replaceCA()
	var order []int
	for range 3 {
		i := w.waitPodDeleted()
		order = append(order, i)
		if i == 0 && w.members[0].Role() == mysqlsim.RolePrimary {
			t.Fatal("db-0 restarted while primary: the primary must switch to an adopted member first")
		}
		w.restartAdopted(i)
	}
	if fmt.Sprint(order) != "[2 1 0]" {
		t.Fatalf("restart order %v, want [2 1 0]", order)
	}
	w.waitOnline(1)
	wr.stopAndCheck(w.members)
}

// replaceCA deletes Orca's CA and member certificates: the controller issues new ones, and the running
// members, which loaded the old ones, serve certificates no client of Orca's trusts any more.
func (w *world) replaceCA() {
	w.t.Helper()
	for _, name := range []string{specs.CASecretName(w.cluster), specs.ServerTLSSecretName(w.cluster)} {
		s := &corev1.Secret{}
		s.Namespace, s.Name = w.ns, name
		if err := k8s.Delete(context.Background(), s); err != nil {
			w.t.Fatal(err)
		}
	}
}

// waitPodDeleted waits until the loop deleted one of the members' pods and returns its ordinal.
func (w *world) waitPodDeleted() int {
	w.t.Helper()
	gone := -1
	eventually(w.t, 60*time.Second, func() error {
		for i := range w.members {
			var p corev1.Pod
			key := types.NamespacedName{Namespace: w.ns, Name: specs.PodName(w.cluster, i)}
			err := k8s.Get(context.Background(), key, &p)
			if apierrors.IsNotFound(err) || (err == nil && p.DeletionTimestamp != nil) {
				gone = i
				return nil
			}
		}
		return fmt.Errorf("no pod deleted yet: %s", condMsg(w.get()))
	})
	return gone
}

// restartAdopted does the kubelet's and the StatefulSet's part for member i: mysqld shuts down (leaving the
// group), the pod goes, and the new pod's mysqld boots with the certificate Orca issued for it and the
// cluster's my.cnf as it is now.
func (w *world) restartAdopted(i int) {
	w.t.Helper()
	m := w.members[i]
	if s, err := m.RootSession(); err == nil {
		_, _ = m.Exec(context.Background(), s, "SHUTDOWN")
		s.Close()
	}
	eventually(w.t, 10*time.Second, func() error {
		var p corev1.Pod
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: specs.PodName(w.cluster, i)}, &p)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err == nil {
			_ = k8s.Delete(context.Background(), &p, client.GracePeriodSeconds(0))
			return fmt.Errorf("pod %s still there", p.Name)
		}
		return err
	})
	var cm corev1.ConfigMap
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: "db-mycnf"}, &cm); err != nil {
		w.t.Fatal(err)
	}
	host := specs.MemberHost(w.cluster, i, "")
	err := m.RestartWith(mysqlsim.MemberConfig{TLS: w.memberTLS(i), PeerCAs: w.trustBundle(),
		Options: admintest.OptionsFromMyCnf(cm.Data[specs.MyCnfKey], specs.RenderMemberCnf(1000, i, host))})
	if err != nil {
		w.t.Fatal(err)
	}
	w.runPodAnnotated(i, map[string]string{v1.AnnotationTLSHash: "adopted"})
}

// trustBundle is ca.crt of Orca's <name>-tls, as the members load it from group_replication_recovery_ssl_ca.
func (w *world) trustBundle() *x509.CertPool {
	w.t.Helper()
	var s corev1.Secret
	key := client.ObjectKey{Namespace: w.ns, Name: specs.ServerTLSSecretName(w.cluster)}
	if err := k8s.Get(context.Background(), key, &s); err != nil {
		w.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.Data[specs.KeyCACert]) {
		w.t.Fatalf("secret %s holds no CA certificate", key.Name)
	}
	return pool
}

// simWriter commits transactions on whichever member is the writable primary (an account each: the simulator
// replicates account changes like data), recording the ids acknowledged.
type simWriter struct {
	t     *testing.T
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	acked []int
}

func startSimWriter(t *testing.T, ms []*mysqlsim.Member) *simWriter {
	t.Helper()
	wr := &simWriter{t: t, stop: make(chan struct{})}
	wr.done.Add(1)
	go wr.run(ms)
	return wr
}

func (wr *simWriter) run(ms []*mysqlsim.Member) {
	defer wr.done.Done()
	for id := 1; ; id++ {
		select {
		case <-wr.stop:
			return
		case <-time.After(10 * time.Millisecond):
		}
		for _, m := range ms {
			if m.Role() != mysqlsim.RolePrimary || m.State() != mysqlsim.StateOnline {
				continue
			}
			if createAccount(m, id) == nil {
				wr.mu.Lock()
				wr.acked = append(wr.acked, id)
				wr.mu.Unlock()
			}
			break
		}
	}
}

func createAccount(m *mysqlsim.Member, id int) error {
	s, err := m.RootSession()
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = m.Exec(context.Background(), s, fmt.Sprintf("CREATE USER 'w_%d'@'%%' IDENTIFIED BY 'x'", id))
	return err
}

// stopAndCheck stops the writer and checks that writes went on and every acknowledged one is on every member,
// whose GTID sets agree.
func (wr *simWriter) stopAndCheck(ms []*mysqlsim.Member) {
	wr.t.Helper()
	close(wr.stop)
	wr.done.Wait()
	wr.t.Logf("%d writes acknowledged during the adoption", len(wr.acked))
	if len(wr.acked) < 10 {
		wr.t.Fatalf("only %d writes acknowledged during the adoption", len(wr.acked))
	}
	eventually(wr.t, 30*time.Second, func() error {
		for _, m := range ms[1:] {
			if !m.GTIDExecuted().Equal(ms[0].GTIDExecuted()) {
				return fmt.Errorf("%s has %s, %s has %s", m.Name(), m.GTIDExecuted(), ms[0].Name(), ms[0].GTIDExecuted())
			}
		}
		return nil
	})
	for _, m := range ms {
		for _, id := range wr.acked {
			if _, ok := m.LookupAccount(fmt.Sprintf("w_%d", id), "127.0.0.1"); !ok {
				wr.t.Fatalf("%s lacks acknowledged write %d", m.Name(), id)
			}
		}
	}
}
