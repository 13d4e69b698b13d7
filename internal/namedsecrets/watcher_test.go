package namedsecrets

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/orca-operator/orca/test/envtestutil"
)

// A Secret that does not exist yet is NotFound; once created, its user is notified at once (within a second,
// not after a backoff) and reads it from the watch; another Secret of the same namespace is never seen; the
// watch ends with its last user.
func TestWatcherFollowsOneSecretByName(t *testing.T) {
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	notified := make(chan types.NamespacedName, 10)
	w := &Watcher{Client: cs, Notify: func(u types.NamespacedName) { notified <- u }}
	user := types.NamespacedName{Namespace: "ns", Name: "db"}
	key := types.NamespacedName{Namespace: "ns", Name: "mine"}
	if _, err := w.Get(ctx, user, key); !apierrors.IsNotFound(err) {
		t.Fatalf("a Secret that does not exist: %v, want NotFound", err)
	}
	for _, name := range []string{"other", "mine"} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
			Data: map[string][]byte{"rootPassword": []byte(name)}}
		if _, err := cs.CoreV1().Secrets("ns").Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case u := <-notified:
		if u != user {
			t.Fatalf("notified %s, want %s", u, user)
		}
	case <-time.After(time.Second):
		t.Fatal("the user was not notified within a second of the Secret's creation")
	}
	s, err := w.Get(ctx, user, key)
	if err != nil || string(s.Data["rootPassword"]) != "mine" {
		t.Fatalf("got %v, %v", s, err)
	}
	select {
	case u := <-notified:
		t.Fatalf("notified %s again: the other Secret must not be watched", u)
	case <-time.After(200 * time.Millisecond):
	}
	w.Release(user)
	if n := w.Watching(); n != 0 {
		t.Fatalf("%d watches after the last user left", n)
	}
}
