package operator

import (
	"fmt"
	"net/http"
	"net/http/pprof"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// addPprof serves Go's profiles (/debug/pprof/) on addr on every replica; "" or "0" serves nothing. Off by
// default: a profile shows the operator's internals, so it is for an operator's own debugging (bench-scale).
func addPprof(mgr ctrl.Manager, addr string) error {
	if addr == "" || addr == "0" {
		return nil
	}
	srv := &manager.Server{Name: "pprof", Server: &http.Server{Addr: addr, Handler: pprofMux()}}
	if err := mgr.Add(srv); err != nil {
		return fmt.Errorf("add the pprof server: %w", err)
	}
	return nil
}

func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
