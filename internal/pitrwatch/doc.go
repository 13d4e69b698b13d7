// Package pitrwatch observes every PITR-enabled cluster's binary log archive in its backup storage (the index
// and the archiver's heartbeat), judges the chain's health with the pure pitr.Judge, and writes status.pitr and
// the PITRChainHealthy condition through clusterstatus. S3 is read here, in its own loop, never in a Reconcile.
package pitrwatch
