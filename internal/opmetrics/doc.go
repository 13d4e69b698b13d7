// Package opmetrics holds the operator's Prometheus metrics (docs/metrics.md), all named orca_ and registered in
// controller-runtime's registry, so `orca operator` serves them on --metrics-bind-address with controller-runtime's
// own. Three sources feed them: the reconcilers (Reconciler wraps each one), the cluster loops (Loops, the leader's
// passes, actions and primary changes) and, at every scrape, the objects in the operator's cache (members by state,
// backups and migration runs by phase), which every replica holds, leader or not.
package opmetrics
