package operator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/hooks"
	"github.com/orca-operator/orca/internal/namedsecrets"
)

// hooksRunnable serves the MigrationHook receiver on every replica, leader or not: a delivery to any replica
// behind the Service is stored in the API server, which is what makes it durable.
type hooksRunnable struct {
	addr string
	srv  *hooks.Server
	// listening, when set, is told the listener's address.
	listening func(net.Addr)
}

// NeedLeaderElection is false: every replica receives.
func (hooksRunnable) NeedLeaderElection() bool { return false }

// Start listens on addr and serves until ctx ends, then lets the deliveries in progress be answered.
func (h hooksRunnable) Start(ctx context.Context) error {
	l, err := net.Listen("tcp", h.addr)
	if err != nil {
		return fmt.Errorf("listen for migration hooks on %s: %w", h.addr, err)
	}
	if h.listening != nil {
		h.listening(l.Addr())
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.srv.Shutdown(sctx)
	}()
	if err := h.srv.Serve(l); !errors.Is(err, hooks.ErrServerClosed) {
		return err
	}
	return nil
}

func addHooks(mgr ctrl.Manager, addr string, listening func(net.Addr)) error {
	if addr == "" || addr == "0" {
		return nil
	}
	store, err := HookStore(mgr)
	if err != nil {
		return err
	}
	srv := &hooks.Server{Store: store, Logger: ctrl.Log.WithName("hooks")}
	if err := mgr.Add(hooksRunnable{addr: addr, srv: srv, listening: listening}); err != nil {
		return fmt.Errorf("add migration hook receiver: %w", err)
	}
	return nil
}

// HookStore is the receiver's store on mgr. An accepted delivery costs one request, the run's creation: hooks
// come from the manager's cache and their Secrets from a watch of each by name (a watcher of its own: the
// clusters' one notifies clusters), stopped when the hook is deleted. The benchmark runs it too.
func HookStore(mgr ctrl.Manager) (*hooks.KubeStore, error) {
	cs, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("secrets client for migration hooks: %w", err)
	}
	secrets := &namedsecrets.Watcher{Client: cs}
	if err := mgr.Add(secrets); err != nil {
		return nil, fmt.Errorf("add the migration hooks' secret watcher: %w", err)
	}
	if err := releaseDeletedHooks(mgr, secrets); err != nil {
		return nil, err
	}
	return &hooks.KubeStore{Hooks: mgr.GetClient(), Secrets: secrets, Live: mgr.GetAPIReader(),
		Writer: mgr.GetClient()}, nil
}

// releaseDeletedHooks stops watching a deleted hook's Secret.
func releaseDeletedHooks(mgr ctrl.Manager, secrets *namedsecrets.Watcher) error {
	inf, err := mgr.GetCache().GetInformer(context.Background(), &v1.MigrationHook{})
	if err != nil {
		return fmt.Errorf("migration hook informer: %w", err)
	}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if h, ok := obj.(*v1.MigrationHook); ok {
			secrets.Release(types.NamespacedName{Namespace: h.Namespace, Name: h.Name})
		}
	}})
	if err != nil {
		return fmt.Errorf("watch migration hook deletions: %w", err)
	}
	return nil
}
