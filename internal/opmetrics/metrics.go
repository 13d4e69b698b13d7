package opmetrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Result labels of reconciles, passes and actions.
const (
	ResultSuccess = "success"
	ResultError   = "error"
)

var (
	reconciles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orca_reconciles_total",
		Help: "Reconciles by controller and result (success, error).",
	}, []string{"controller", "result"})
	reconcileSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "orca_reconcile_duration_seconds",
		Help:    "How long reconciles take, by controller.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"controller"})
	passes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orca_loop_passes_total",
		Help: "Cluster loop passes (observe, decide, start at most one action, publish) by result.",
	}, []string{"namespace", "cluster", "result"})
	passSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "orca_loop_pass_duration_seconds",
		Help:    "How long a cluster loop pass takes (actions run beside it and are not included).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"namespace", "cluster"})
	actions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orca_actions_total",
		Help: "Actions the cluster loops ran, by kind (BootstrapGroup, JoinMember, Switchover...) and result.",
	}, []string{"namespace", "cluster", "kind", "result"})
	actionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "orca_action_duration_seconds",
		Help:    "How long actions take, by kind.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800},
	}, []string{"kind"})
	primaryChanges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orca_primary_changes_total",
		Help: "Primary changes a cluster loop observed, by cause: failover (the group elected a new primary) " +
			"or switchover (Orca moved it on request or for an upgrade).",
	}, []string{"namespace", "cluster", "cause"})
	objects = &objectCollector{}
)

// Register adds the metrics to reg (controller-runtime's metrics.Registry in the operator), and makes reader
// (the manager's cache) the source of the object metrics; registering again (a second operator in one test
// process) only swaps the reader.
func Register(reg prometheus.Registerer, reader client.Reader) error {
	objects.setReader(reader)
	for _, c := range []prometheus.Collector{reconciles, reconcileSeconds, passes, passSeconds, actions,
		actionSeconds, primaryChanges, objects} {
		var already prometheus.AlreadyRegisteredError
		if err := reg.Register(c); err != nil && !errors.As(err, &already) {
			return fmt.Errorf("register the operator's metrics: %w", err)
		}
	}
	return nil
}

func result(err error) string {
	if err != nil {
		return ResultError
	}
	return ResultSuccess
}
