package router

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /metrics (Prometheus), /healthz: 200 while a current topology is held (see Healthy), 503
// otherwise (readiness), and /livez: 200 unless the router is wedged (see Live; liveness).
func (s *Server) Handler() http.Handler {
	s.setup()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", probeHandler(s.Healthy, "no current topology\n"))
	mux.HandleFunc("/livez", probeHandler(s.Live, "topology loop stalled\n"))
	return mux
}

// probeHandler answers 200 "ok" while ok holds, 503 with why otherwise.
func probeHandler(ok func() bool, why string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(why))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}
}
