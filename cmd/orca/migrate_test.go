package main

import (
	"strings"
	"testing"
)

func dsnFromEnv(t *testing.T, serviceMap string) string {
	t.Helper()
	dsn, err := mysqlDSNFromEnv(serviceMap)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func TestMigrateDSNFromEnv(t *testing.T) {
	t.Setenv("MYSQL_HOST", "db.team-a.svc")
	t.Setenv("MYSQL_PORT", "6446")
	t.Setenv("MYSQL_USER", "app")
	t.Setenv("MYSQL_PASSWORD", "p@ss:w/rd")
	t.Setenv("MYSQL_DATABASE", "shop")
	if got, want := dsnFromEnv(t, ""), "app:p@ss:w/rd@tcp(db.team-a.svc:6446)/shop?parseTime=true"; got != want {
		t.Fatalf("DSN %q, want %q", got, want)
	}
	if got, want := dsnFromEnv(t, "services.json"), "app:p@ss:w/rd@orca-dev-services(db.team-a.svc:6446)/shop?"+
		"parseTime=true"; got != want {
		t.Fatalf("DSN with a service map %q, want %q", got, want)
	}
}

func TestMigrateRequiresRepositoryCommitAndLease(t *testing.T) {
	t.Setenv("ORCA_COMMIT", "")
	root := newRootCommand()
	root.SetArgs([]string{"migrate", "--repository", "https://git.example/a.git"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "commit") || !strings.Contains(err.Error(), "lease-name") {
		t.Fatalf("got %v, want the missing flags named", err)
	}
}
