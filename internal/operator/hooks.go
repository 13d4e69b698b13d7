package operator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/orca-operator/orca/hooks"
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
	srv := &hooks.Server{
		Store:  hooks.KubeStore{Hooks: mgr.GetClient(), Secrets: mgr.GetAPIReader(), Writer: mgr.GetClient()},
		Logger: ctrl.Log.WithName("hooks"),
	}
	if err := mgr.Add(hooksRunnable{addr: addr, srv: srv, listening: listening}); err != nil {
		return fmt.Errorf("add migration hook receiver: %w", err)
	}
	return nil
}
