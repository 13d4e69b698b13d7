package opmetrics

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

var (
	descMembers = prometheus.NewDesc("orca_cluster_members",
		"Members of a cluster by Group Replication state (status.members[].state; UNKNOWN when unreachable).",
		[]string{"namespace", "cluster", "state"}, nil)
	descClusterState = prometheus.NewDesc("orca_cluster_state",
		"1 for the cluster's state (status.clusterState: ONLINE, ONLINE_PARTIAL, NO_QUORUM...).",
		[]string{"namespace", "cluster", "state"}, nil)
	descBackups = prometheus.NewDesc("orca_backups",
		"MySQLBackups of a cluster by phase (Pending, Running, Succeeded, Failed).",
		[]string{"namespace", "cluster", "phase"}, nil)
	descLastBackup = prometheus.NewDesc("orca_backup_last_success_timestamp_seconds",
		"Completion time (Unix seconds) of the cluster's newest Succeeded MySQLBackup.",
		[]string{"namespace", "cluster"}, nil)
	descRuns = prometheus.NewDesc("orca_migration_runs",
		"MigrationRuns of a cluster by phase (Pending, AwaitingApproval, Blocked, BackingUp, Running, Succeeded, "+
			"Failed).", []string{"namespace", "cluster", "phase"}, nil)
)

// objectCollector computes the object metrics from the cache at every scrape.
type objectCollector struct {
	mu     sync.Mutex
	reader client.Reader
}

func (c *objectCollector) setReader(r client.Reader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reader = r
}

// Describe implements prometheus.Collector.
func (c *objectCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMembers, descClusterState, descBackups, descLastBackup, descRuns} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it lists the objects (from the cache, no API request) and emits
// objectSamples. A kind that cannot be listed is left out.
func (c *objectCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	r := c.reader
	c.mu.Unlock()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var in objectLists
	_ = r.List(ctx, &in.clusters)
	_ = r.List(ctx, &in.backups)
	_ = r.List(ctx, &in.runs)
	for _, s := range objectSamples(&in) {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, s.value, s.labels...)
	}
}

// objectLists are the objects the samples are computed from.
type objectLists struct {
	clusters v1.InnoDBClusterList
	backups  v1.MySQLBackupList
	runs     v1.MigrationRunList
}

// sample is one gauge value.
type sample struct {
	desc   *prometheus.Desc
	labels []string
	value  float64
}

// objectSamples computes the object metrics, in a stable order.
func objectSamples(in *objectLists) []sample {
	var out []sample
	for i := range in.clusters.Items {
		c := &in.clusters.Items[i]
		if c.Status.ClusterState != "" {
			out = append(out, sample{descClusterState, []string{c.Namespace, c.Name, string(c.Status.ClusterState)}, 1})
		}
		states := map[string]float64{}
		for _, m := range c.Status.Members {
			states[orUnknown(m.State)]++
		}
		out = append(out, counted(descMembers, c.Namespace, c.Name, states)...)
	}
	backups, last := map[[2]string]map[string]float64{}, map[[2]string]float64{}
	for i := range in.backups.Items {
		b := &in.backups.Items[i]
		key := [2]string{b.Namespace, b.Spec.ClusterName}
		count(backups, key, orPending(string(b.Status.Phase)))
		if b.Status.Phase == v1.BackupSucceeded && b.Status.CompletionTime != nil {
			last[key] = max(last[key], float64(b.Status.CompletionTime.Unix()))
		}
	}
	out = append(out, byCluster(descBackups, backups)...)
	for _, key := range sortedKeys(last) {
		out = append(out, sample{descLastBackup, []string{key[0], key[1]}, last[key]})
	}
	runs := map[[2]string]map[string]float64{}
	for i := range in.runs.Items {
		r := &in.runs.Items[i]
		count(runs, [2]string{r.Namespace, r.Spec.ClusterName}, orPending(string(r.Status.Phase)))
	}
	return append(out, byCluster(descRuns, runs)...)
}

func count(m map[[2]string]map[string]float64, key [2]string, label string) {
	if m[key] == nil {
		m[key] = map[string]float64{}
	}
	m[key][label]++
}

func byCluster(d *prometheus.Desc, m map[[2]string]map[string]float64) []sample {
	var out []sample
	for _, key := range sortedKeys(m) {
		out = append(out, counted(d, key[0], key[1], m[key])...)
	}
	return out
}

func counted(d *prometheus.Desc, namespace, cluster string, n map[string]float64) []sample {
	labels := make([]string, 0, len(n))
	for l := range n {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	out := make([]sample, 0, len(n))
	for _, l := range labels {
		out = append(out, sample{d, []string{namespace, cluster, l}, n[l]})
	}
	return out
}

func sortedKeys[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"/"+keys[i][1] < keys[j][0]+"/"+keys[j][1] })
	return keys
}

func orUnknown(state string) string {
	if state == "" {
		return "UNKNOWN"
	}
	return state
}

// orPending names an object the controller has not given a phase yet.
func orPending(phase string) string {
	if phase == "" {
		return "Pending"
	}
	return phase
}
