package mysqlsim

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

// TestBackupOfASimulatedMember runs the backup engine's MySQL 8 path against a simulated member: LOCK INSTANCE
// FOR BACKUP, FLUSH TABLES WITH READ LOCK, consistent-snapshot transactions, gtid_executed, SHOW BINARY LOG
// STATUS and the information_schema and SHOW CREATE reads; the manifest lands in versitygw with the member's
// GTID set.
func TestBackupOfASimulatedMember(t *testing.T) {
	dsn := dataDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tc := newCluster(t, 1, dsn, func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	tc.bootstrap()
	addr, _, _ := fe.Addrs(tc.members[0])
	warmAuthCache(t, addr)
	db, err := sql.Open("mysql", "root:rootpw@tcp("+addr+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, s := range []string{"CREATE TABLE " + cfg.DBName + ".t (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO " + cfg.DBName + ".t VALUES (1, 'a'), (2, 'b'), (3, NULL)"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	s3 := peers.StartS3(t, "backups")
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "db/b1", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: backup.Server{Addr: addr, User: "root", Password: "rootpw"},
		Store: st, ID: "b1", Threads: 2, Databases: []string{cfg.DBName}})
	if err != nil {
		t.Fatalf("dump the simulated member: %v", err)
	}
	var gtids string
	if err := db.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&gtids); err != nil {
		t.Fatal(err)
	}
	if m.Position.GTIDSet != gtids || len(m.Tables) != 1 || m.Tables[0].Rows != 3 {
		t.Fatalf("manifest: position %+v (member %s), tables %+v", m.Position, gtids, m.Tables)
	}
	if _, err := backup.LoadManifest(ctx, st); err != nil {
		t.Fatalf("the manifest is not in S3: %v", err)
	}

	// Without BACKUP_ADMIN the instance lock is refused; the dump fails cleanly and leaves no lock behind.
	for _, s := range []string{"CREATE USER dumper@'%' IDENTIFIED BY 'pw'",
		"GRANT SELECT, RELOAD, SHOW VIEW, EVENT, TRIGGER ON *.* TO dumper@'%'"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	_, err = backup.Dump(ctx, backup.DumpOptions{Source: backup.Server{Addr: addr, User: "dumper", Password: "pw"},
		Store: st.Sub("unprivileged"), ID: "b2", Databases: []string{cfg.DBName}})
	if err == nil || !strings.Contains(err.Error(), "BACKUP_ADMIN") {
		t.Fatalf("dump without BACKUP_ADMIN: %v", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO "+cfg.DBName+".t VALUES (4, 'd')"); err != nil {
		t.Fatalf("a write after the dumps: %v", err)
	}
}
