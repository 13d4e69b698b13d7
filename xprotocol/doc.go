// Package xprotocol implements the MySQL X Protocol (the protobuf protocol of MySQL's X Plugin, port 33060):
// a codec, a client and a server side.
//
// # Codec
//
// Frames are a little-endian uint32 length, a message type byte and a protobuf payload. FrameReader reads
// them into a reused buffer and rejects lengths above a configurable maximum before reading the payload
// (and grows its buffer only as bytes actually arrive). Every message Orca uses has a struct with
// AppendPayload (encode, see AppendFrame) and Unmarshal (decode); the codec is hand-written on protowire,
// without reflection. Row fields decode with DecodeValue or the typed Decode* functions into
// caller-owned buffers: zero allocations per decoded scalar.
//
// # Server side
//
// Server follows the miekg/dns shape: a Handler interface (with the HandlerFunc adapter) receives the SQL
// statements of authenticated sessions and streams results through a ResultWriter; Serve / ListenAndServe /
// Shutdown manage the lifecycle; NotifyStartedFunc tells tests when it accepts. The Server itself
// negotiates capabilities (tls, session_connect_attrs, client.pwd_expire_ok), upgrades to TLS,
// authenticates MYSQL41 / SHA256_MEMORY / PLAIN against a CredentialStore, and answers the "mysqlx"
// admin commands (ping, list_notices, enable_notices, disable_notices, kill_client, list_clients).
// It can push notices to one session (ServerSession.SendNotice) and broadcast Group Replication state
// changes to every session that enabled them (Server.BroadcastGroupReplicationNotice).
//
// A minimal member:
//
//	srv := &xprotocol.Server{
//		Credentials: xprotocol.NewStaticCredentials(xprotocol.Account{User: "root", Password: "pw"}),
//		Handler: xprotocol.HandlerFunc(func(ctx context.Context, s *xprotocol.ServerSession, stmt string,
//			args []xprotocol.Any, w xprotocol.ResultWriter) error {
//			if stmt != "SELECT 1" {
//				return xprotocol.NewError(1064, "42000", "You have an error in your SQL syntax")
//			}
//			if err := w.WriteColumns(xprotocol.ColumnMetaData{Type: xprotocol.ColumnSint, Name: "1"}); err != nil {
//				return err
//			}
//			return w.WriteRow(1)
//		}),
//	}
//	go srv.Serve(listener)
//	defer srv.Shutdown(ctx)
//
// # Client
//
// Dial connects, negotiates TLS (TLSMode), sets connection attributes and authenticates (the connectors'
// order: PLAIN over TLS; otherwise MYSQL41, then SHA256_MEMORY after ERROR 1045). A Session runs one
// background goroutine that reads frames: replies go to the caller of the current command, notices go to
// the channel returned by Notices without ever blocking the reader (a full buffer drops the notice and
// counts it in DroppedNotices). Commands on one Session are serialised.
package xprotocol
