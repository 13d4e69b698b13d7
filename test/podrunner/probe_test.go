package podrunner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// healthServer answers /healthz with 200 while healthy is true, 503 otherwise.
func healthServer(t *testing.T, healthy *atomic.Bool) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

type reports chan bool

func (r reports) expect(t *testing.T, want bool) {
	t.Helper()
	select {
	case got := <-r:
		if got != want {
			t.Fatalf("reported %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no report (want %v)", want)
	}
}

func startProber(t *testing.T, kind probeKind, probe *corev1.Probe, target probeTarget) reports {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r := make(reports, 16)
	p := prober{Kind: kind, Probe: probe, Target: target, Period: 50 * time.Millisecond,
		Report: func(ok bool, _ string) { r <- ok }}
	go func() { defer close(done); p.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

func TestReadinessProbeFollowsTheServer(t *testing.T) {
	var healthy atomic.Bool
	host, port := healthServer(t, &healthy)
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz",
		Port: intstr.FromString("http")}}, PeriodSeconds: 1, FailureThreshold: 1, SuccessThreshold: 1}
	r := startProber(t, probeReadiness, probe, probeTarget{Host: host,
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}})
	r.expect(t, false) // never ready yet: reported once
	healthy.Store(true)
	r.expect(t, true)
	healthy.Store(false)
	r.expect(t, false)
	healthy.Store(true)
	r.expect(t, true)
}

func TestStartupAndLivenessProbes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	tcp := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{
		Port: intstr.FromInt(port)}}, PeriodSeconds: 1, FailureThreshold: 1}
	startProber(t, probeStartup, tcp, probeTarget{Host: "127.0.0.1"}).expect(t, true)
	_ = l.Close()
	startProber(t, probeLiveness, tcp, probeTarget{Host: "127.0.0.1"}).expect(t, false)
	var calls atomic.Int32
	exec := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/orca", "x"}}},
		PeriodSeconds: 1, FailureThreshold: 1}
	startProber(t, probeStartup, exec, probeTarget{Exec: func(context.Context, []string) error {
		calls.Add(1)
		return errors.New("exit 1")
	}}).expect(t, false)
	// One failure at the probe's period of 1 s is 20 checks at 50 ms.
	if calls.Load() != 20 {
		t.Fatalf("startup failed after %d checks, want 20 (1 s of failures at 50 ms)", calls.Load())
	}
}

func TestScheduleKeepsTheFailureTime(t *testing.T) {
	for _, tc := range []struct {
		periodSeconds, threshold int32
		override                 time.Duration
		wantPeriod               time.Duration
		wantThreshold            int32
	}{
		{0, 0, 0, 10 * time.Second, 3},
		{2, 2, 0, 2 * time.Second, 2},
		{2, 2, 200 * time.Millisecond, 200 * time.Millisecond, 20},
		{10, 30, 200 * time.Millisecond, 200 * time.Millisecond, 1500},
		{1, 1, 300 * time.Millisecond, 300 * time.Millisecond, 4},
		{1, 3, 2 * time.Second, time.Second, 3},
	} {
		p, n := schedule(&corev1.Probe{PeriodSeconds: tc.periodSeconds, FailureThreshold: tc.threshold}, tc.override)
		if p != tc.wantPeriod || n != tc.wantThreshold {
			t.Errorf("schedule(%ds x%d, %s) = %s x%d, want %s x%d", tc.periodSeconds, tc.threshold, tc.override,
				p, n, tc.wantPeriod, tc.wantThreshold)
		}
	}
}

func TestProbeNeverDialsOutsideLoopback(t *testing.T) {
	p := prober{Probe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Host: "10.244.0.5", Port: intstr.FromInt(80)}}}, Target: probeTarget{Host: "127.0.0.1"}}
	if err := p.check(context.Background()); err == nil {
		t.Fatal("a pod IP was probed")
	}
	if _, err := resolvePort(intstr.FromString("nope"), nil); err == nil {
		t.Fatal("unknown port name resolved")
	}
	if n, _ := resolvePort(intstr.FromString(strconv.Itoa(8080)), nil); n != 8080 {
		t.Fatal("numeric string port")
	}
}
