package podrunner

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probeKind is which of a container's probes a result is about.
type probeKind string

const (
	probeStartup   probeKind = "Startup"
	probeReadiness probeKind = "Readiness"
	probeLiveness  probeKind = "Liveness"
)

// probeTarget is where a container's probes go: its pod's loopback address (never the fake pod IP), its declared
// ports (for named ports), and a way to run an exec probe's command in it.
type probeTarget struct {
	Host  string
	Ports []corev1.ContainerPort
	Exec  func(ctx context.Context, command []string) error
}

// prober plays one probe of one container until ctx ends, as the kubelet's prober worker does: the first check
// after initialDelaySeconds, then one every periodSeconds, each bounded by timeoutSeconds. A shorter Period checks
// more often with the failure threshold scaled up to match, so a failure must last as long as with the probe's
// own period before it counts (readiness turns true sooner; liveness kills no sooner).
// It reports changes only: readiness turning true after successThreshold successes in a row and false after
// failureThreshold failures in a row (it starts false); the startup probe's first success or its
// failureThreshold-th failure (then it stops); the liveness probe's failureThreshold-th failure in a row (then it
// stops: the container is killed).
type prober struct {
	Kind   probeKind
	Probe  *corev1.Probe
	Target probeTarget
	// Period, when set and shorter than the probe's periodSeconds, is how often it checks instead.
	Period time.Duration
	Report func(ok bool, message string)
}

func (p prober) run(ctx context.Context) {
	if !sleep(ctx, time.Duration(p.Probe.InitialDelaySeconds)*time.Second) {
		return
	}
	period, failureThreshold := schedule(p.Probe, p.Period)
	successThreshold := max(p.Probe.SuccessThreshold, 1)
	ready := false
	var successes, failures int32
	for {
		err := p.check(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		switch p.Kind {
		case probeReadiness:
			if !ready && successes >= successThreshold {
				ready = true
				p.Report(true, "")
			} else if ready && failures >= failureThreshold || !ready && failures == failureThreshold {
				ready = false
				p.Report(false, message(err))
			}
		case probeStartup:
			if err == nil {
				p.Report(true, "")
				return
			}
			if failures >= failureThreshold {
				p.Report(false, message(err))
				return
			}
		case probeLiveness:
			if failures >= failureThreshold {
				p.Report(false, message(err))
				return
			}
		}
		if !sleep(ctx, period) {
			return
		}
	}
}

// schedule is how often a probe checks and after how many failures in a row it fails: its own periodSeconds
// and failureThreshold (defaults 10 s and 3), or a shorter override with the threshold scaled by the same factor
// (rounded up), keeping the time a failure must last.
func schedule(probe *corev1.Probe, override time.Duration) (time.Duration, int32) {
	period := seconds(probe.PeriodSeconds, 10)
	threshold := probe.FailureThreshold
	if threshold <= 0 {
		threshold = 3
	}
	if override <= 0 || override >= period {
		return period, threshold
	}
	scaled := (int64(threshold)*int64(period) + int64(override) - 1) / int64(override)
	return override, int32(min(scaled, math.MaxInt32))
}

func message(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func seconds(n, def int32) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// check runs the probe once.
func (p prober) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, seconds(p.Probe.TimeoutSeconds, 1))
	defer cancel()
	h := p.Probe.ProbeHandler
	switch {
	case h.HTTPGet != nil:
		return p.httpGet(ctx, h.HTTPGet)
	case h.TCPSocket != nil:
		addr, err := p.address(h.TCPSocket.Host, h.TCPSocket.Port)
		if err != nil {
			return err
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("dial tcp %s: %w", addr, err)
		}
		return conn.Close()
	case h.Exec != nil:
		return p.Target.Exec(ctx, h.Exec.Command)
	}
	return errors.New("unsupported probe (the runner plays httpGet, tcpSocket and exec)")
}

// address is host:port of a probe: the pod's loopback address unless the probe names a (loopback) host.
func (p prober) address(host string, port intstr.IntOrString) (string, error) {
	if host == "" {
		host = p.Target.Host
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("probe host %q is not a loopback address: the runner never dials pod IPs", host)
	}
	n, err := resolvePort(port, p.Target.Ports)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// resolvePort turns a probe's port (a number or a container port's name) into a number.
func resolvePort(port intstr.IntOrString, ports []corev1.ContainerPort) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, cp := range ports {
		if cp.Name == port.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("no container port named %q", port.StrVal)
}

func (p prober) httpGet(ctx context.Context, g *corev1.HTTPGetAction) error {
	addr, err := p.address(g.Host, g.Port)
	if err != nil {
		return err
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: addr, Path: g.Path}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("probe request: %w", err)
	}
	req.Header.Set("User-Agent", "kube-probe/1.37")
	for _, h := range g.HTTPHeaders {
		if h.Name == "Host" {
			req.Host = h.Value
		} else {
			req.Header.Add(h.Name, h.Value)
		}
	}
	// The kubelet does not verify a probed server's certificate, and keeps no connection between probes.
	insecure := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // as the kubelet
	c := http.Client{
		Transport:     &http.Transport{TLSClientConfig: insecure, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", u.String(), err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}
