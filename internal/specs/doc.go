// Package specs builds the Kubernetes objects of an InnoDBCluster from its spec. Every function is pure:
// the same cluster gives the same objects, so applying them twice changes nothing.
//
// Files by concern: names.go (object and pod names, member DNS names), ports.go (every port), labels.go
// (selectors and object labels), secrets.go and passwords.go (the Secrets' keys and generated credentials),
// mycnf.go and mycnf_owned.go (the rendered option files and the options Orca owns), and one builder file per
// object kind (statefulset.go, services.go, router.go, backupjob.go, backupjob_delete.go, verifyjob.go,
// initdbjob.go, migration.go, placement.go).
package specs
