package binlog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/peers"
)

// A stream with TLS reaches the source by its stable name (a member map, as the archiver pod does), encrypts and
// verifies the certificate before it sends the password, and reads the binary log over the encrypted socket;
// another CA's bundle or a name the certificate lacks is refused.
func TestStreamOverVerifiedTLS(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	ca, other := tlscatest.New(t), tlscatest.New(t)
	const host, wrongHost = "db-0.db-instances.shop.svc.cluster.local", "db-1.db-instances.shop.svc.cluster.local"
	kp := ca.Issue(host)
	for name, b := range map[string][]byte{"server.crt": kp.CertPEM, "server.key": kp.KeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := peers.StartMariaDB(t, append(binlogArgs, "--ssl-cert="+filepath.Join(dir, "server.crt"),
		"--ssl-key="+filepath.Join(dir, "server.key"))...)
	db := openDB(t, src)
	mustExec(t, db, "CREATE USER repl@'%' IDENTIFIED BY 'repl-pw'",
		"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO repl@'%'",
		"CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1), (2)",
		"INSERT INTO app.t VALUES (3)")
	members := memberdial.NewLoopback()
	for _, h := range []string{host, wrongHost} {
		if err := members.Set(h, src.Addr); err != nil {
			t.Fatal(err)
		}
	}
	dial := func(ctx context.Context, addr string, cfg binlog.Config) ([]*binlog.Transaction, error) {
		cfg.Addr, cfg.User, cfg.Password, cfg.Dialer, cfg.NonBlocking = addr, "repl", "repl-pw", members, true
		return dialAll(ctx, cfg, binlog.NewSet(true))
	}
	port := src.Addr[strings.LastIndex(src.Addr, ":"):]
	txns, err := dial(ctx, host+port, binlog.Config{TLS: ca.Trust()})
	if err != nil {
		t.Fatalf("verified with the cluster CA: %v", err)
	}
	// CREATE USER and GRANT are logged too: 2 + CREATE DATABASE + CREATE TABLE + 2 inserts.
	if len(txns) != 6 || txns[5].GTID.String() != "0-1-6" {
		t.Fatalf("%d transactions over TLS, want 6 ending at 0-1-6: %v", len(txns), txns)
	}
	if _, err := dial(ctx, host+port, binlog.Config{TLS: other.Trust()}); err == nil ||
		!strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("another CA: %v, want refused", err)
	}
	if _, err := dial(ctx, wrongHost+port, binlog.Config{TLS: ca.Trust()}); err == nil ||
		!strings.Contains(err.Error(), wrongHost) {
		t.Fatalf("a name the certificate lacks: %v, want refused", err)
	}
}
