// Package topology decides what to do with a MySQL Group Replication cluster (single-primary,
// MySQL 8.4). It is pure: Decide takes an Observation of plain structs (pods, each member's own
// Group Replication report, the user's requests) and returns a Decision (cluster state, primary,
// per-member assessment, ordered candidate actions, typed findings). It uses no context, clients,
// SQL or logger and never changes its input.
//
// The caller runs only the first action, then observes again. When the picture is uncertain,
// Decide plans nothing: a group without quorum is left alone unless forced, a RECOVERING member is
// never restarted, and no action targets a member the operator cannot query. docs/topology.md
// holds the decision table and the SQL each action runs.
package topology
