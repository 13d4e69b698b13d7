package namedsecrets

import (
	"context"
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

// A cluster loop still finishing a pass while the operator shuts down reads its Secret after the watcher's Start
// returned: it gets ErrStopped, and no watch is started that nobody would stop (it used to panic on a nil map).
func TestGetAfterStopFailsCleanly(t *testing.T) {
	w := &Watcher{Client: fake.NewClientset(), Notify: func(types.NamespacedName) {}}
	user, secret := types.NamespacedName{Namespace: "ns", Name: "db"}, types.NamespacedName{Namespace: "ns", Name: "s"}
	if w.register(user, secret) == nil { // a watch in place, as a cluster read its Secret before
		t.Fatal("no watch registered before the stop")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(context.Background(), user, secret); !errors.Is(err, ErrStopped) {
		t.Fatalf("Get after Start returned: %v, want ErrStopped", err)
	}
	if n := w.Watching(); n != 0 {
		t.Fatalf("%d watches after the watcher stopped", n)
	}
}
