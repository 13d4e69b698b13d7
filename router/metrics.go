package router

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the router's Prometheus series, on a registry of its own (each labelled cluster and namespace).
type metrics struct {
	reg          *prometheus.Registry
	connections  *prometheus.GaugeVec
	openedTotal  *prometheus.CounterVec
	bytesMoved   *prometheus.CounterVec
	refusedTotal *prometheus.CounterVec
	closedTotal  *prometheus.CounterVec
	routeChanges *prometheus.CounterVec
	rwLearnedAt  *prometheus.GaugeVec
	role         *prometheus.GaugeVec
	view         *prometheus.GaugeVec
	quorum       prometheus.Gauge
	probes       *prometheus.CounterVec
	healthy      prometheus.GaugeFunc
	byRoute      map[[2]uint8]prometheus.Counter
}

func newMetrics(cluster, namespace string) *metrics {
	labels := prometheus.Labels{"cluster": cluster, "namespace": namespace}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "orca", Subsystem: "router", Name: name, Help: help, ConstLabels: labels}
	}
	gauge := func(name, help string, l ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts(opts(name, help)), l)
	}
	counter := func(name, help string, l ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), l)
	}
	m := &metrics{reg: prometheus.NewRegistry(),
		connections: gauge("connections", "Established client connections.", "route", "backend"),
		openedTotal: counter("connections_total", "Client connections routed.", "route", "backend"),
		bytesMoved:  counter("bytes_total", "Bytes moved, by direction.", "route", "direction"),
		refusedTotal: counter("refused_connections_total", "New connections refused with a MySQL error.",
			"route", "reason"),
		closedTotal: counter("closed_connections_total",
			"Established connections the router closed (role change, idle timeout, shutdown).", "route", "reason"),
		routeChanges: counter("route_changes_total", "Changes of the RW destination or of the RO set.", "mode"),
		rwLearnedAt: gauge("rw_learned_timestamp_seconds", "When the router learned the current RW destination "+
			"(the GR notice's arrival for trigger notice; a probe's end for interval or connect).",
			"backend", "trigger"),
		role:   gauge("member_role", "1 for each member's role in the routing table.", "member", "role"),
		view:   gauge("view_info", "1 for the Group Replication view the table follows.", "view_id", "verdict"),
		quorum: prometheus.NewGauge(prometheus.GaugeOpts(opts("quorum", "1 while a member reports quorum."))),
		probes: counter("probe_results_total", "Member probes, by trigger (notice, interval, connect).",
			"trigger"),
		byRoute: map[[2]uint8]prometheus.Counter{},
	}
	for _, r := range Routes {
		for _, d := range []direction{toBackend, toClient} {
			m.byRoute[[2]uint8{uint8(r), uint8(d)}] = m.bytesMoved.WithLabelValues(r.String(), d.String())
		}
	}
	m.reg.MustRegister(m.connections, m.openedTotal, m.bytesMoved, m.refusedTotal, m.closedTotal, m.routeChanges,
		m.rwLearnedAt, m.role, m.view, m.quorum, m.probes, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// registerHealth exposes the /healthz verdict as orca_router_topology_current.
func (m *metrics) registerHealth(cluster, namespace string, healthy func() bool) {
	m.healthy = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "orca", Subsystem: "router",
		Name: "topology_current", Help: "1 while a current topology is held (what /healthz reports).",
		ConstLabels: prometheus.Labels{"cluster": cluster, "namespace": namespace}}, func() float64 {
		if healthy() {
			return 1
		}
		return 0
	})
	m.reg.MustRegister(m.healthy)
}

func (m *metrics) bytes(r Route, d direction) prometheus.Counter {
	return m.byRoute[[2]uint8{uint8(r), uint8(d)}]
}

func (m *metrics) opened(r Route, backend string) {
	m.openedTotal.WithLabelValues(r.String(), backend).Inc()
	m.connections.WithLabelValues(r.String(), backend).Inc()
}

func (m *metrics) closed(r Route, backend, reason string) {
	m.connections.WithLabelValues(r.String(), backend).Dec()
	if reason != "" {
		m.closedTotal.WithLabelValues(r.String(), reason).Inc()
	}
}

func (m *metrics) refused(r Route, reason string) {
	m.refusedTotal.WithLabelValues(r.String(), reason).Inc()
}

func (m *metrics) routeChanged(mode string) { m.routeChanges.WithLabelValues(mode).Inc() }

// rwLearned records the new RW destination and what it was learned from (none while there is no primary).
func (m *metrics) rwLearned(backend string, c cause) {
	m.rwLearnedAt.Reset()
	if backend != "" {
		m.rwLearnedAt.WithLabelValues(backend, c.trigger).Set(float64(c.at.UnixNano()) / 1e9)
	}
}

func (m *metrics) probed(trigger string) { m.probes.WithLabelValues(trigger).Inc() }

// table follows a new routing table: each member's role, the view, quorum.
func (m *metrics) table(old, t Table) {
	for member, role := range old.Roles {
		if t.Roles[member] != role {
			m.role.DeleteLabelValues(member, string(role))
		}
	}
	for member, role := range t.Roles {
		m.role.WithLabelValues(member, string(role)).Set(1)
	}
	m.view.Reset()
	m.view.WithLabelValues(t.ViewID, t.Verdict.String()).Set(1)
	q := 0.0
	if t.Verdict == VerdictPrimary || t.Verdict == VerdictNoPrimary {
		q = 1
	}
	m.quorum.Set(q)
}

// forget drops the series of a member no longer watched.
func (m *metrics) forget(member string) {
	m.role.DeletePartialMatch(prometheus.Labels{"member": member})
}
