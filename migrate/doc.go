// Package migrate is Orca's built-in migration runner, `orca migrate`: it clones a repository at one commit,
// applies its versioned V<version>__<name>.sql files in order, statement by statement, and records each
// statement in a history table with the file's checksum and the server's GTID position after it.
//
// It refuses to run when a file that was applied has changed, stops at the first failing statement, and
// resumes at the next unapplied statement when run again. A statement that MySQL runs inside a transaction is
// committed together with its history row, so it is applied exactly once however the runner dies. A statement
// that commits implicitly (DDL) is announced by a pending row that the DDL's own implicit commit makes durable;
// a later run finding it pending runs the DDL again and takes MySQL's "already exists"-class errors as proof it
// was applied.
//
// The lock is a Kubernetes Lease whose leaseTransitions is the fencing token: the token is stored in the
// database when the Lease is taken and checked, under a row lock, in the transaction of every statement.
package migrate
