package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/test/peers"
)

// tlsMember is a MariaDB serving a certificate of the cluster CA for a member's stable name, reached through a
// member map as the runner pods reach members, with the bundles of the cluster CA and of another one.
type tlsMember struct {
	db                 *peers.MariaDB
	host, wrongHost    string
	memberMap          string
	clusterCA, otherCA string
}

func startTLSMember(t *testing.T) tlsMember {
	t.Helper()
	dir := t.TempDir()
	ca, other := tlscatest.New(t), tlscatest.New(t)
	m := tlsMember{host: "db-0.db-instances.shop.svc.cluster.local", wrongHost: "db-1.db-instances.shop.svc.cluster.local",
		memberMap: filepath.Join(dir, "members.json"), clusterCA: filepath.Join(dir, "ca.crt"),
		otherCA: filepath.Join(dir, "other.crt")}
	kp := ca.Issue(m.host, "db.shop.svc")
	files := map[string][]byte{"server.crt": kp.CertPEM, "server.key": kp.KeyPEM, "ca.crt": ca.Bundle(),
		"other.crt": other.Bundle()}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m.db = peers.StartMariaDB(t, "--ssl-cert="+filepath.Join(dir, "server.crt"),
		"--ssl-key="+filepath.Join(dir, "server.key"))
	raw, _ := json.Marshal(map[string]string{m.host: m.db.Addr, m.wrongHost: m.db.Addr, "db.shop.svc": m.db.Addr})
	if err := os.WriteFile(m.memberMap, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// `orca backup` and `orca restore` verify the member with the cluster's bundle for the stable name they dial:
// a certificate of another CA, or one not naming the host, ends the run before the account is sent.
func TestBackupAndRestoreRunnersVerifyTheMember(t *testing.T) {
	m := startTLSMember(t)
	db, err := sql.Open("mysql", m.db.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{"CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)",
		"INSERT INTO app.t SELECT seq FROM app.seq_1_to_100"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s3 := peers.StartS3(t, "backups")
	env := []string{"ORCA_BACKUP_USER=root", "ORCA_BACKUP_PASSWORD=", "AWS_ACCESS_KEY_ID=" + s3.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	run := func(cmd, id, host, ca string) (string, error) {
		args := []string{cmd, "--host=" + host, "--port=3306", "--dev-member-map=" + m.memberMap, "--tls-ca-file=" + ca,
			"--bucket=backups", "--prefix=db", "--backup-id=" + id, "--endpoint=" + s3.Endpoint, "--path-style",
			"--threads=1"}
		p, out := orcaProcess(env, args...)
		err := p.Run()
		return out.String(), err
	}
	if out, err := run("backup", "b1", m.host, m.clusterCA); err != nil || !strings.Contains(out, `"rows":100`) {
		t.Fatalf("backup verified with the cluster CA: %v\n%s", err, out)
	}
	for _, tc := range []struct{ cmd, id, host, ca, want string }{
		{"backup", "b2", m.host, m.otherCA, "certificate signed by unknown authority"},
		{"backup", "b3", m.wrongHost, m.clusterCA, "not " + m.wrongHost},
		{"restore", "b1", m.host, m.otherCA, "certificate signed by unknown authority"},
		{"restore", "b1", m.wrongHost, m.clusterCA, "not " + m.wrongHost},
	} {
		out, err := run(tc.cmd, tc.id, tc.host, tc.ca)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Fatalf("%s of %s with %s: %v, want a refusal saying %q\n%s", tc.cmd, tc.host, filepath.Base(tc.ca),
				err, tc.want, out)
		}
	}
}

// The migration runner verifies the <cluster> Service's certificate with MYSQL_SSL_CA for MYSQL_HOST.
func TestMigrateRunnerVerifiesTheService(t *testing.T) {
	m := startTLSMember(t)
	t.Setenv("MYSQL_HOST", "db.shop.svc")
	t.Setenv("MYSQL_USER", "root")
	ping := func(ca string) error {
		t.Setenv(envMySQLSSLCA, ca)
		dsn, err := mysqlDSNFromEnv(m.memberMap)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		var cipher string
		if err := db.QueryRow("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS " +
			"WHERE VARIABLE_NAME = 'Ssl_cipher'").Scan(&cipher); err != nil {
			return err
		}
		if cipher == "" {
			t.Fatal("the connection is not encrypted")
		}
		return nil
	}
	if err := ping(m.clusterCA); err != nil {
		t.Fatalf("verified with the cluster CA: %v", err)
	}
	if err := ping(m.otherCA); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("another CA: %v, want refused", err)
	}
	t.Setenv(envMySQLTLSServerName, "db-9.db-instances.shop.svc.cluster.local")
	if err := ping(m.clusterCA); err == nil || !strings.Contains(err.Error(), "db-9") {
		t.Fatalf("a name the certificate lacks: %v, want refused", err)
	}
}
