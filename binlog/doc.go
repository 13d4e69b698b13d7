// Package binlog is the small part of the MySQL replication protocol Orca's point-in-time recovery needs: a
// client that registers as a replica and streams a server's binary log (COM_BINLOG_DUMP_GTID on MySQL,
// COM_BINLOG_DUMP with a MariaDB GTID connect state on MariaDB), the v4 event header and its CRC32 checksum, the
// events that carry positions (rotate, format description, MySQL GTID_LOG_EVENT and MariaDB GTID_EVENT, XID and
// the BEGIN/COMMIT query events that frame a transaction), and binary log files built from whole transactions.
//
// Row events and every other event are kept raw, never decoded: the archive replays them with the server's own
// mysqlbinlog / mariadb-binlog. Everything read from the network or from an archive is untrusted and parsed
// defensively (fuzzed).
package binlog
