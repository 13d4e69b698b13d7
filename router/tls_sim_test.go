package router

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// A router given another CA than the one that signed the members' certificates refuses them: its monitoring
// sessions fail the TLS handshake (before the password is sent), so it learns no topology and routes nothing,
// instead of following members it cannot authenticate.
func TestRouterRefusesMembersOfAnotherCAOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 1, "127.0.44.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(func(s *Server) { s.MonitorTLS = tlscatest.New(t).Trust() })
	waitFor(t, "two connection attempts", func() bool { return probes(t, r, "connect") >= 2 })
	if tab := r.s.Table(); tab.Primary != "" || len(tab.Readable) != 0 {
		t.Fatalf("the router routes to members it cannot verify: %+v", tab)
	}
	checkHTTP(t, r, 503)
}

func probes(t *testing.T, r *running, trigger string) float64 {
	t.Helper()
	var out dto.Metric
	if err := r.s.metrics.probes.WithLabelValues(trigger).Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetCounter().GetValue()
}
