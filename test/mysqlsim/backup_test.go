package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
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
	src, db, dbName := simulatedMember(t, true, "")
	for _, s := range []string{"CREATE TABLE " + dbName + ".t (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO " + dbName + ".t VALUES (1, 'a'), (2, 'b'), (3, NULL)"} {
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
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: src, Store: st, ID: "b1", Threads: 2,
		Databases: []string{dbName}})
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
	_, err = backup.Dump(ctx, backup.DumpOptions{Source: backup.Server{Addr: src.Addr, User: "dumper", Password: "pw"},
		Store: st.Sub("unprivileged"), ID: "b2", Databases: []string{dbName}})
	if err == nil || !strings.Contains(err.Error(), "BACKUP_ADMIN") {
		t.Fatalf("dump without BACKUP_ADMIN: %v", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO "+dbName+".t VALUES (4, 'd')"); err != nil {
		t.Fatalf("a write after the dumps: %v", err)
	}
}

// simulatedMember starts a one-member simulated group, bootstrapped (a source) or not (the first member of a
// new cluster before its bootstrap), and returns its server, a root connection and its data database.
func simulatedMember(t *testing.T, bootstrap bool, uuid string) (backup.Server, *sql.DB, string) {
	t.Helper()
	dsn := dataDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tc := newCluster(t, 1, dsn, func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
		if uuid != "" {
			c.ServerUUID = uuid
		}
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	if bootstrap {
		tc.bootstrap()
	}
	addr, _, _ := fe.Addrs(tc.members[0])
	warmAuthCache(t, addr)
	db, err := sql.Open("mysql", "root:rootpw@tcp("+addr+")/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return backup.Server{Addr: addr, User: "root", Password: "rootpw"}, db, cfg.DBName
}

// TestRestoreRecordsTheBackupsGTIDs restores a simulated member's backup into a new member with SetGTIDPurged:
// the set ends in its gtid_executed and gtid_purged beside its own load transactions (MySQL 8.4's '+' form of
// SET GLOBAL gtid_purged as the simulator models it). A target that executed part of the set is refused before
// any table is created.
func TestRestoreRecordsTheBackupsGTIDs(t *testing.T) {
	const targetUUID = "bbbbbbbb-0000-4000-8000-000000000001"
	src, srcDB, _ := simulatedMember(t, true, "")
	dbName := "gtidsrc"
	for _, s := range []string{"CREATE DATABASE " + dbName, "CREATE TABLE " + dbName + ".t (id INT PRIMARY KEY, k INT, " +
		"KEY k_1 (k))", "INSERT INTO " + dbName + ".t VALUES (1, 7), (2, 8)"} {
		if _, err := srcDB.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	s3 := peers.StartS3(t, "backups")
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "db/g1", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: src, Store: st, ID: "g1", Databases: []string{dbName}})
	if err != nil || !strings.HasPrefix(m.Position.GTIDSet, testGroupName+":1-") {
		t.Fatalf("dump: %v, position %+v", err, m.Position)
	}
	// The simulated groups share one MariaDB for their data: the source's copy goes before each restore.
	drop := func() {
		if _, err := srcDB.Exec("DROP DATABASE " + dbName); err != nil {
			t.Fatal(err)
		}
	}
	drop()
	tgt, tgtDB, _ := simulatedMember(t, false, targetUUID)
	if _, err := backup.Restore(ctx, backup.RestoreOptions{Target: tgt, Store: st, SetGTIDPurged: true}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	var inExecuted, inPurged int
	var own string
	if err := tgtDB.QueryRow("SELECT GTID_SUBSET(?, @@GLOBAL.gtid_executed), GTID_SUBSET(?, @@GLOBAL.gtid_purged), "+
		"GTID_SUBTRACT(@@GLOBAL.gtid_executed, ?)", m.Position.GTIDSet, m.Position.GTIDSet, m.Position.GTIDSet).
		Scan(&inExecuted, &inPurged, &own); err != nil || inExecuted != 1 || inPurged != 1 {
		t.Fatalf("backup's set in the target: executed %d, purged %d (%v)", inExecuted, inPurged, err)
	}
	if !strings.HasPrefix(own, targetUUID+":1-") {
		t.Errorf("the target's own transactions besides the backup's: %q", own)
	}

	drop()
	tgt2, tgt2DB, _ := simulatedMember(t, false, targetUUID)
	if _, err := tgt2DB.Exec("SET GLOBAL gtid_purged = '" + testGroupName + ":1'"); err != nil {
		t.Fatal(err)
	}
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: tgt2, Store: st, SetGTIDPurged: true})
	var n int
	_ = tgt2DB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", dbName).Scan(&n)
	if !errors.Is(err, backup.ErrGTIDConflict) || n != 0 {
		t.Fatalf("restore into a target holding part of the set: %v, %d tables created", err, n)
	}
}

// TestRestoreGTIDsRefusedWhileGroupReplicationRuns: MySQL 8.4 refuses SET GLOBAL gtid_purged while Group
// Replication runs (ER_UPDATE_GTID_PURGED_WITH_GR, 3911), so a restore with SetGTIDPurged into a member of a
// running group fails with that error, never waits: the initDB restore must finish before the group starts.
func TestRestoreGTIDsRefusedWhileGroupReplicationRuns(t *testing.T) {
	// A source out of any group: its set is its own server_uuid's, disjoint from the target group's.
	src, srcDB, _ := simulatedMember(t, false, "cccccccc-0000-4000-8000-000000000003")
	dbName := "gtidgr"
	for _, s := range []string{"CREATE DATABASE " + dbName, "CREATE TABLE " + dbName + ".t (id INT PRIMARY KEY)",
		"INSERT INTO " + dbName + ".t VALUES (1)"} {
		if _, err := srcDB.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	s3 := peers.StartS3(t, "backups")
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "db/gr", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := backup.Dump(ctx, backup.DumpOptions{Source: src, Store: st, ID: "gr", Databases: []string{dbName}}); err != nil {
		t.Fatalf("dump: %v", err)
	}
	if _, err := srcDB.Exec("DROP DATABASE " + dbName); err != nil {
		t.Fatal(err)
	}
	tgt, _, _ := simulatedMember(t, true, "bbbbbbbb-0000-4000-8000-000000000002") // a running group of its own
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: tgt, Store: st, SetGTIDPurged: true})
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 3911 {
		t.Fatalf("restore with SetGTIDPurged into a running group member: %v, want error 3911", err)
	}
}
