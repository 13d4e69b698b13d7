package opmetrics

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Primary change causes (orca_primary_changes_total's cause label).
const (
	CauseFailover   = "failover"
	CauseSwitchover = "switchover"
)

// Loops receives what the cluster loops do (clustering.Manager.Metrics).
type Loops struct{}

// Pass records one loop pass of cluster and how long it took.
func (Loops) Pass(cluster types.NamespacedName, took time.Duration, err error) {
	passes.WithLabelValues(cluster.Namespace, cluster.Name, result(err)).Inc()
	passSeconds.WithLabelValues(cluster.Namespace, cluster.Name).Observe(took.Seconds())
}

// Action records an action of kind that ended.
func (Loops) Action(cluster types.NamespacedName, kind string, took time.Duration, err error) {
	actions.WithLabelValues(cluster.Namespace, cluster.Name, kind, result(err)).Inc()
	actionSeconds.WithLabelValues(kind).Observe(took.Seconds())
}

// PrimaryChanged records that cluster's primary moved from one member to another.
func (Loops) PrimaryChanged(cluster types.NamespacedName, switchover bool) {
	cause := CauseFailover
	if switchover {
		cause = CauseSwitchover
	}
	primaryChanges.WithLabelValues(cluster.Namespace, cluster.Name, cause).Inc()
}

// Forget drops a deleted cluster's series.
func (Loops) Forget(cluster types.NamespacedName) {
	l := map[string]string{"namespace": cluster.Namespace, "cluster": cluster.Name}
	passes.DeletePartialMatch(l)
	passSeconds.DeletePartialMatch(l)
	actions.DeletePartialMatch(l)
	primaryChanges.DeletePartialMatch(l)
}
