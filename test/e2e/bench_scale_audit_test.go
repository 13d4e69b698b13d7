package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// auditPolicy logs every request once, when its response completes, at Metadata level (who, verb, object),
// and a write to a pod with its body (Request level: who sends what to pods); node leases (kwok's heartbeats)
// are left out, the operator does not elect a leader here.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: None
  resources:
  - group: coordination.k8s.io
    resources: ["leases"]
- level: Request
  verbs: ["patch", "update"]
  resources:
  - group: ""
    resources: ["pods", "pods/status"]
- level: Metadata
`

// operatorAgent is how the User-Agent client-go gives the `orca` binary's requests starts: the binary's name,
// "orca" or the pod runner's cached "orca-<hash>", then "/" and the version.
var operatorAgent = regexp.MustCompile(`^orca(-[0-9a-f]+)?/`)

// auditLog is the API server's audit log of the benchmark's control plane.
type auditLog struct{ policy, path string }

func newAuditLog(b *testing.B) *auditLog {
	b.Helper()
	dir := b.TempDir()
	a := &auditLog{policy: filepath.Join(dir, "audit-policy.yaml"), path: filepath.Join(dir, "audit.log")}
	if err := os.WriteFile(a.policy, []byte(auditPolicy), 0o600); err != nil {
		b.Fatal(err)
	}
	return a
}

func (a *auditLog) args() []string {
	return []string{"--audit-policy-file=" + a.policy, "--audit-log-path=" + a.path, "--audit-log-format=json",
		"--audit-log-mode=blocking"}
}

// auditEvent holds the fields of an audit.k8s.io/v1 Event the benchmark reads.
type auditEvent struct {
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	Received      time.Time       `json:"requestReceivedTimestamp"`
	RequestObject json.RawMessage `json:"requestObject"`
}

// maxBodies is how many request bodies of the operator's writes to pods the benchmark prints.
const maxBodies = 5

// operatorRequests counts the operator's requests received in [from, to) by verb and resource, watches
// left out (they stay open; a renewal is not a request a pass makes). A log without any request of the
// operator's, at any time, is an error: the filter would find nothing to count.
func (a *auditLog) operatorRequests(from, to time.Time) (map[string]int, []string, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, nil, fmt.Errorf("open the audit log: %w", err)
	}
	defer f.Close()
	counts, seen := map[string]int{}, 0
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, nil, fmt.Errorf("parse the audit log: %w", err)
		}
		if !operatorAgent.MatchString(e.UserAgent) {
			continue
		}
		seen++
		if e.Verb != "watch" && !e.Received.Before(from) && e.Received.Before(to) {
			counts[accessOf(e)]++
			if len(e.RequestObject) > 0 && len(bodies) < maxBodies {
				bodies = append(bodies, fmt.Sprintf("%s %s/%s: %s", accessOf(e), e.ObjectRef.Namespace, e.ObjectRef.Name,
					e.RequestObject))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read the audit log: %w", err)
	}
	if seen == 0 {
		return nil, nil, fmt.Errorf("the audit log %s holds no request with a User-Agent matching %s", a.path,
			operatorAgent)
	}
	return counts, bodies, nil
}

// operatorWideMark follows a cluster-scoped resource: a request for the whole operator (the CRD drift check's
// GET of each CRD once a minute), not one a cluster's pass makes.
const operatorWideMark = " (operator-wide)"

func accessOf(e auditEvent) string {
	if e.ObjectRef == nil {
		return e.Verb + " (non-resource)"
	}
	r := e.ObjectRef.Resource
	if e.ObjectRef.Subresource != "" {
		r += "/" + e.ObjectRef.Subresource
	}
	if e.ObjectRef.Namespace == "" {
		r += operatorWideMark
	}
	return e.Verb + " " + r
}

// steadyWindow is what the operator did over the steady window.
type steadyWindow struct {
	length   time.Duration
	requests map[string]int
	bodies   []string      // the first writes to pods, with their bodies
	cpu      time.Duration // user + system time of the operator's process
	rss, hwm int64         // kB: resident at the end, and its peak since the start
}

// measureSteady watches the operator over the window: its requests from the audit log, its CPU and memory
// from /proc.
func measureSteady(b *testing.B, op *operatorProcess, audit *auditLog, window time.Duration) steadyWindow {
	b.Helper()
	pid := op.cmd.Process.Pid
	profiled := profileOperator(b, op, window)
	cpu0 := processCPU(b, pid)
	from := time.Now()
	time.Sleep(window)
	to := time.Now()
	defer profiled()
	w := steadyWindow{length: to.Sub(from), cpu: processCPU(b, pid) - cpu0}
	w.rss, w.hwm = processMemory(b, pid, "VmRSS:"), processMemory(b, pid, "VmHWM:")
	time.Sleep(2 * time.Second) // the last requests' audit lines
	var err error
	if w.requests, w.bodies, err = audit.operatorRequests(from, to); err != nil {
		b.Fatal(err)
	}
	return w
}

func (w steadyWindow) print(clusters int) {
	minutes := w.length.Minutes()
	fmt.Printf("\nsteady window %s with %d clusters ONLINE:\n", w.length.Round(time.Second), clusters)
	keys := make([]string, 0, len(w.requests))
	writes, reads := 0, 0
	for k, n := range w.requests {
		keys = append(keys, k)
		if strings.HasSuffix(k, operatorWideMark) {
			continue
		}
		switch verb, _, _ := strings.Cut(k, " "); verb {
		case "get", "list":
			reads += n
		default:
			writes += n
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %-40s %6d  %.3f per cluster per minute\n", k, w.requests[k],
			float64(w.requests[k])/float64(clusters)/minutes)
	}
	for _, body := range w.bodies {
		fmt.Printf("  body of %s\n", body)
	}
	fmt.Printf("the clusters' requests (watches and operator-wide aside): %d writes, %d reads; target 0 and 0: %s\n",
		writes, reads,
		verdictOf(writes == 0 && reads == 0))
	cpuPct := 100 * w.cpu.Seconds() / w.length.Seconds()
	fmt.Printf("operator CPU %.2f %% of a core (%s over %s); target < 10 %%: %s\n", cpuPct,
		w.cpu.Round(10*time.Millisecond), w.length.Round(time.Second), verdictOf(cpuPct < 10))
	fmt.Printf("operator RSS %.1f MiB at the end, peak %.1f MiB; target < 256 MiB: %s\n", float64(w.rss)/1024,
		float64(w.hwm)/1024, verdictOf(w.hwm < 256*1024))
}

func verdictOf(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times (100 on every Linux architecture Go builds for).
const clockTicks = 100

// processCPU is the process's user + system time so far (/proc/<pid>/stat fields 14 and 15).
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("parse /proc/%d/stat: %v %v", pid, err1, err2)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// processMemory reads one kB field of /proc/<pid>/status.
func processMemory(b *testing.B, pid int, field string) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}
