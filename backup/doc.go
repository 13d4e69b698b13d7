// Package backup is Orca's logical backup engine: a consistent snapshot of a MySQL (or MariaDB) server dumped by
// parallel workers into zstd-compressed chunks streamed straight into an S3 bucket, a manifest written last, and a
// parallel, resumable, checksum-verifying restore.
//
// Layout of one backup under its location (bucket prefix + backup id):
//
//	data/t00003/p00001-0002.sql.zst   one chunk: INSERT statements, one per line, zstd-compressed
//	manifest.json                     written last; a location without it is an incomplete backup
//
// Everything read back from the store is untrusted: the manifest and chunks are parsed defensively (fuzzed) and
// every chunk's SHA-256 is checked before any of its statements reaches the server.
package backup
