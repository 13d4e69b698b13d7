package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkOperatorMetrics scrapes /metrics of every operator replica (the chart's metrics port on the pod's
// loopback address) once the cluster is ONLINE: the leader counted one bootstrap, the joins, its passes and
// the reconciles; every replica, leader or not, shows the members ONLINE from its cache.
func checkOperatorMetrics(t *testing.T, h *harness, c *cluster) {
	t.Helper()
	on := map[string]string{"namespace": c.obj.Namespace, "cluster": c.obj.Name}
	with := func(extra ...string) map[string]string {
		m := map[string]string{}
		for k, v := range on {
			m[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	eventually(t, 30*time.Second, func() error {
		scrapes, err := h.scrapeOperators()
		if err != nil {
			return err
		}
		leaders := 0
		for pod, s := range scrapes {
			if got := s.sum("orca_cluster_members", with("state", "ONLINE")); got != 3 {
				return fmt.Errorf("%s: orca_cluster_members ONLINE %v, want 3", pod, got)
			}
			if got := s.sum("orca_cluster_state", with("state", "ONLINE")); got != 1 {
				return fmt.Errorf("%s: orca_cluster_state ONLINE %v, want 1", pod, got)
			}
			if s.sum("orca_loop_passes_total", with("result", "success")) == 0 {
				continue // not the leader: no loops
			}
			leaders++
			for _, want := range []struct {
				name   string
				labels map[string]string
				min    float64
			}{
				{"orca_actions_total", with("kind", "BootstrapGroup", "result", "success"), 1},
				{"orca_actions_total", with("kind", "JoinMember", "result", "success"), 2},
				{"orca_loop_pass_duration_seconds_count", on, 1},
				{"orca_action_duration_seconds_count", map[string]string{"kind": "BootstrapGroup"}, 1},
				{"orca_reconciles_total", map[string]string{"controller": "innodbcluster", "result": "success"}, 1},
			} {
				if got := s.sum(want.name, want.labels); got < want.min {
					return fmt.Errorf("%s: %s%v = %v, want at least %v", pod, want.name, want.labels, got, want.min)
				}
			}
			if got := s.sum("orca_actions_total", with("kind", "BootstrapGroup")); got != 1 {
				return fmt.Errorf("%s: %v bootstraps counted, want 1", pod, got)
			}
		}
		if leaders != 1 {
			return fmt.Errorf("%d replicas run cluster loops, want the leader only", leaders)
		}
		return nil
	})
}

// scrape is one /metrics answer: series (name{labels}) and values.
type scrape []series

type series struct {
	name   string
	labels map[string]string
	value  float64
}

// sum adds the values of name's series that carry every label of match.
func (s scrape) sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, x := range s {
		if x.name != name {
			continue
		}
		ok := true
		for k, v := range match {
			ok = ok && x.labels[k] == v
		}
		if ok {
			total += x.value
		}
	}
	return total
}

// scrapeOperators reads /metrics of every operator pod the runner plays, by pod name.
func (h *harness) scrapeOperators() (map[string]scrape, error) {
	out := map[string]scrape{}
	for _, p := range h.Pods.Pods() {
		if p.Namespace != operatorNamespace || p.Address == "" {
			continue
		}
		s, err := scrapeMetrics("http://" + net.JoinHostPort(p.Address, "8080") + "/metrics")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		out[p.Name] = s
	}
	if len(out) != 2 {
		return nil, fmt.Errorf("%d operator pods scraped, want 2", len(out))
	}
	return out, nil
}

func scrapeMetrics(url string) (scrape, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var out scrape
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if x, ok := parseSeries(sc.Text()); ok {
			out = append(out, x)
		}
	}
	return out, sc.Err()
}

// parseSeries reads one line of the text exposition format: name{k="v",...} value. Label values with commas
// or escaped quotes are not expected in Orca's metrics.
func parseSeries(line string) (series, bool) {
	if line == "" || strings.HasPrefix(line, "#") {
		return series{}, false
	}
	head, val, ok := strings.Cut(line, " ")
	if i := strings.LastIndexByte(line, ' '); i > 0 {
		head, val, ok = line[:i], line[i+1:], true
	}
	v, err := strconv.ParseFloat(val, 64)
	if !ok || err != nil {
		return series{}, false
	}
	x := series{name: head, labels: map[string]string{}, value: v}
	if name, rest, found := strings.Cut(head, "{"); found {
		x.name = name
		for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				x.labels[k] = strings.Trim(v, `"`)
			}
		}
	}
	return x, true
}
