package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/gitsample"
	"github.com/orca-operator/orca/test/peers"
)

// migrationFromSignedPush wires the tree's migration sample to a cluster as a user would: a git repository
// served on loopback, an account for the migrations, a webhook Secret and a MigrationHook; then sends the push
// GitHub would send (the playground's curl, signed with the Secret). The receiver answers 202 with the run, a
// redelivery 200; the run's Pod runs the real `orca migrate` (podrunner) against the primary through the
// cluster's Service, and the sample's tables and row are on the primary. The hook asks for preMigrationBackup:
// the run's MySQLBackup (the cluster's backup profile, versitygw) runs its real Job first, and its GTID set is
// in the run.
func migrationFromSignedPush(t *testing.T, h *harness) {
	ctx := context.Background()
	repo, url := serveSample(t)
	s3 := peers.StartS3(t, "backups")
	c := h.createSampleWith(t, func(ic *v1.InnoDBCluster) {
		ic.Spec.BackupProfiles = []v1.BackupProfile{{Name: "s3", Storage: v1.BackupStorage{S3: v1.S3Storage{
			Bucket: "backups", Prefix: "e2e", Endpoint: s3.Endpoint, PathStyle: true, CredentialsSecret: "s3"}}}}
	})
	c.waitOnline(90 * time.Second)
	ns := c.obj.Namespace
	primary := h.serviceAddr(t, ns, specs.ClientServiceName(c.obj), specs.PortMySQL)
	root := c.secret(specs.CredentialsSecretName(c.obj), specs.KeyRootPassword)
	execAll(t, primary, "root", root, "", "CREATE DATABASE shop",
		"CREATE USER 'migrator'@'%' IDENTIFIED BY 'migrator-pw'", "GRANT ALL ON shop.* TO 'migrator'@'%'")
	const secret = "e2e-webhook-secret"
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-webhook"}, StringData: map[string]string{"secret": secret}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-migrator"},
			StringData: map[string]string{"user": "migrator", "password": "migrator-pw"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s3"},
			StringData: map[string]string{v1.KeyS3AccessKeyID: s3.AccessKey, v1.KeyS3SecretAccessKey: s3.SecretKey}},
	} {
		if err := h.Client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	hook := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop"},
		Spec: v1.MigrationHookSpec{ClusterName: c.obj.Name, Provider: v1.ProviderGitHub,
			SecretRef: v1.HookSecretRef{Name: "shop-webhook"},
			Filters:   v1.HookFilters{Refs: []string{"refs/heads/main"}, Paths: []string{"migrations/**"}},
			Source:    v1.MigrationSource{URL: url, Path: gitsample.Folder},
			Database:  v1.MigrationDatabase{SecretName: "shop-migrator", Name: "shop"}, PreMigrationBackup: true}}
	if err := h.Client.Create(ctx, hook); err != nil {
		t.Fatal(err)
	}
	receiver := "http://" + h.hooksAddr.Load().(string) + "/hooks/" + ns + "/shop"
	d, err := gitsample.GitHubPush(receiver, "72d3162e-cc78-11e3-81ab-4c9367dc0958", secret, "ada", repo)
	if err != nil {
		t.Fatal(err)
	}
	// The hook reaches the receiver's cache a moment after it is created: 404 until then.
	var code int
	eventually(t, 10*time.Second, func() error {
		code = deliver(t, d)
		if code == http.StatusNotFound {
			return fmt.Errorf("the receiver does not know the hook yet")
		}
		return nil
	})
	if code != http.StatusAccepted {
		t.Fatalf("delivery answered %d, want 202", code)
	}
	if code = deliver(t, d); code != http.StatusOK {
		t.Fatalf("redelivery answered %d, want 200 (the run exists)", code)
	}
	run := waitRunEnded(t, h, ns)
	if run.Status.Phase != v1.MigrationSucceeded || run.Spec.Commit != repo.Commit || run.Spec.Sender != "ada" ||
		len(run.Status.Applied) != 2 || run.Status.Version != "2" || run.Status.Applied[1].GTIDAfter == "" {
		t.Fatalf("run %s: spec %+v, status %+v\n%s", run.Name, run.Spec, run.Status,
			exitedLog(h.Pods, ns, run.Status.PodName))
	}
	t.Logf("run %s %s: %s; applied %+v", run.Name, run.Status.Phase, run.Status.Message, run.Status.Applied)
	checkPreMigrationBackup(t, h, &run)
	tables := queryStrings(t, primary, root, "SELECT table_name FROM information_schema.tables "+
		"WHERE table_schema = 'shop' ORDER BY table_name")
	if want := []string{"customers", "orca_schema_history", "orca_schema_lock", "orders"}; !slices.Equal(tables, want) {
		t.Fatalf("tables of shop on the primary: %v, want %v", tables, want)
	}
	if emails := queryStrings(t, primary, root, "SELECT email FROM shop.customers"); !slices.Equal(emails,
		[]string{"ada@example.org"}) {
		t.Fatalf("customers %v", emails)
	}
}

// serveSample builds the tree's migration sample into a repository and serves it over smart HTTP on loopback.
func serveSample(t *testing.T) (*gitsample.Repo, string) {
	t.Helper()
	root := t.TempDir()
	repo, err := gitsample.Build(filepath.Join(envtestutil.RepoRoot(), "config", "samples", "migrations"),
		filepath.Join(root, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	handler, err := gitsample.Handler(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return repo, srv.URL + "/shop"
}

// deliver sends the delivery and returns the receiver's status code.
func deliver(t *testing.T, d gitsample.Delivery) int {
	t.Helper()
	req, err := d.Request(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// waitRunEnded waits for the namespace's one MigrationRun to succeed or fail.
func waitRunEnded(t *testing.T, h *harness, ns string) v1.MigrationRun {
	t.Helper()
	var run v1.MigrationRun
	eventually(t, 60*time.Second, func() error {
		var runs v1.MigrationRunList
		if err := h.Client.List(context.Background(), &runs, client.InNamespace(ns)); err != nil {
			return err
		}
		if len(runs.Items) != 1 {
			return fmt.Errorf("%d runs, want 1", len(runs.Items))
		}
		run = runs.Items[0]
		if p := run.Status.Phase; p != v1.MigrationSucceeded && p != v1.MigrationFailed {
			return fmt.Errorf("run %s is %s (%s)", run.Name, p, run.Status.Message)
		}
		return nil
	})
	return run
}

func openAs(t *testing.T, addr, user, password, schema string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", addr, schema
	cfg.Timeout, cfg.ReadTimeout = 5*time.Second, 10*time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func execAll(t *testing.T, addr, user, password, schema string, stmts ...string) {
	t.Helper()
	db := openAs(t, addr, user, password, schema)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func queryStrings(t *testing.T, addr, password, q string) []string {
	t.Helper()
	rows, err := openAs(t, addr, "root", password, "").Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.ToLower(s))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkPreMigrationBackup: the run's backup succeeded before its Pod started, and the run holds its GTID set.
func checkPreMigrationBackup(t *testing.T, h *harness, run *v1.MigrationRun) {
	t.Helper()
	var b v1.MySQLBackup
	if err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: run.Namespace,
		Name: run.Status.BackupName}, &b); err != nil {
		t.Fatalf("pre-migration backup %q: %v", run.Status.BackupName, err)
	}
	if b.Status.Phase != v1.BackupSucceeded || b.Status.GTIDSet == "" || run.Status.BackupGTID != b.Status.GTIDSet ||
		!metav1.IsControlledBy(&b, run) || b.Status.CompletionTime == nil || run.Status.StartTime == nil ||
		run.Status.StartTime.Before(b.Status.CompletionTime) {
		t.Fatalf("pre-migration backup %s: %+v; run backupGtid %q, started %v", b.Name, b.Status,
			run.Status.BackupGTID, run.Status.StartTime)
	}
	t.Logf("pre-migration backup %s from %s (%s): %s, GTID set %s", b.Name, b.Status.Source, b.Status.SourceRole,
		b.Status.Location, b.Status.GTIDSet)
}
