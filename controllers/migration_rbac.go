package controllers

// The MigrationHook receiver (hooks/, served by `orca operator` on every replica) reads hooks and their Secrets
// and creates runs.
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationhooks,verbs=get;list;watch
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationruns,verbs=get;list;watch;create
