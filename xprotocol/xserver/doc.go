// Package xserver is the server side of the MySQL X Protocol: it accepts connections, negotiates
// capabilities (tls, session_connect_attrs, client.pwd_expire_ok), upgrades to TLS, authenticates MYSQL41 /
// SHA256_MEMORY / PLAIN against a CredentialStore, answers the "mysqlx" admin commands (ping, list_notices,
// enable_notices, disable_notices, kill_client, list_clients) and hands SQL statements to a Handler. It is
// meant for simulators, proxies and tests that must look like a MySQL server to real connectors.
//
// Server follows the miekg/dns shape: a Handler interface (with the HandlerFunc adapter) receives the SQL
// statements of authenticated sessions and streams results through a ResultWriter; Serve / ListenAndServe /
// Shutdown manage the lifecycle; NotifyStartedFunc tells tests when it accepts. It can push notices to one
// session (ServerSession.SendNotice) and broadcast Group Replication state changes to every session that
// enabled them (Server.BroadcastGroupReplicationNotice).
//
// A minimal server:
//
//	srv := &xserver.Server{
//		Credentials: xserver.NewStaticCredentials(xserver.Account{User: "root", Password: "pw"}),
//		Handler: xserver.HandlerFunc(func(ctx context.Context, s *xserver.ServerSession, stmt string,
//			args []wire.Any, w xserver.ResultWriter) error {
//			if stmt != "SELECT 1" {
//				return wire.NewError(1064, "42000", "You have an error in your SQL syntax")
//			}
//			if err := w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "1"}); err != nil {
//				return err
//			}
//			return w.WriteRow(1)
//		}),
//	}
//	go srv.Serve(listener)
//	defer srv.Shutdown(ctx)
package xserver
