package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunInitWritesMemberOptions(t *testing.T) {
	tmpl, out := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(tmpl, "my.cnf"), []byte("[mysqld]\ngtid_mode=ON\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := initOptions{baseServerID: 1000, service: "db-instances", clusterZone: "cluster.local", templateDir: tmpl, outputDir: out}
	if err := runInit(o, "db-2", "team-a"); err != nil {
		t.Fatal(err)
	}
	member, err := os.ReadFile(filepath.Join(out, "60-orca-member.cnf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server_id=1002", "report_host=db-2.db-instances.team-a.svc.cluster.local",
		"loose_group_replication_local_address=db-2.db-instances.team-a.svc.cluster.local:3306"} {
		if !strings.Contains(string(member), want) {
			t.Errorf("member config lacks %q:\n%s", want, member)
		}
	}
	shared, err := os.ReadFile(filepath.Join(out, "50-orca-cluster.cnf"))
	if err != nil || !strings.Contains(string(shared), "gtid_mode=ON") {
		t.Fatalf("shared config not copied: %v %q", err, shared)
	}
}

func TestRunInitRejectsBadInput(t *testing.T) {
	o := initOptions{service: "db-instances", templateDir: t.TempDir(), outputDir: t.TempDir()}
	if err := runInit(o, "", "ns"); err == nil {
		t.Fatal("missing POD_NAME accepted")
	}
	if err := runInit(o, "nonumber", "ns"); err == nil || !strings.Contains(err.Error(), "ordinal") {
		t.Fatalf("pod without ordinal: %v", err)
	}
}
