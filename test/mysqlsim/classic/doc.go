// Package classic is a MySQL classic-protocol server framework for the MySQL 8 member simulator.
//
// It speaks the connection phase of MySQL 8.4 (Protocol::HandshakeV10, SSLRequest and TLS upgrade,
// mysql_native_password and caching_sha2_password with its fast-auth cache and RSA key exchange,
// AuthSwitchRequest) and the command phase: the text protocol (COM_QUERY result sets, OK and ERR packets,
// several result sets per query, COM_PING, COM_INIT_DB, COM_RESET_CONNECTION, COM_CHANGE_USER, ...) and,
// with a Preparer, the binary protocol of prepared statements (COM_STMT_PREPARE, _EXECUTE with binary
// parameters and ProtocolBinary result rows, _SEND_LONG_DATA, _RESET, _CLOSE; cursors are not opened).
// What a statement means is up to a Handler and a Preparer; the package knows nothing about SQL.
//
// The shape follows miekg/dns: a one-method Handler with a HandlerFunc adapter and a Server whose fields
// document their defaults, started with Serve or ListenAndServe and stopped with Shutdown. Crash and
// SetRefusing let the simulator kill a member without stopping its listener.
package classic
