// Package pitr is Orca's point-in-time recovery: an archiver that follows a cluster's binary log as a replica
// and uploads it in segments of whole transactions to the backup storage, the chain those segments form (its
// gaps and the newest point it can restore to), and the replay of segments onto a restored base backup up to a
// time or a GTID.
//
// Layout under the cluster's backup prefix (backup ids are Kubernetes names, which never begin with "_"):
//
//	_pitr/segments/000000000042.binlog   a binary log file: a format description and whole transactions
//	_pitr/index/000000000042.json        written after its segment: GTIDs, times, size and SHA-256
//
// A segment without its index entry was cut short by a crash: it is ignored and written again.
package pitr
