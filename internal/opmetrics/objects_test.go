package opmetrics

import (
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func cluster(ns, name string, state v1.ClusterState, members ...string) v1.InnoDBCluster {
	c := v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	c.Status.ClusterState = state
	for i, s := range members {
		c.Status.Members = append(c.Status.Members, v1.MemberStatus{Pod: name + "-" + string(rune('0'+i)), State: s})
	}
	return c
}

func backup(ns, cluster string, phase v1.BackupPhase, done time.Time) v1.MySQLBackup {
	b := v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: ns}}
	b.Spec.ClusterName, b.Status.Phase = cluster, phase
	if !done.IsZero() {
		b.Status.CompletionTime = &metav1.Time{Time: done}
	}
	return b
}

func render(samples []sample) string {
	var b strings.Builder
	for _, s := range samples {
		name := s.desc.String()
		name = name[strings.Index(name, `"`)+1:]
		name = name[:strings.Index(name, `"`)]
		b.WriteString(name + "{" + strings.Join(s.labels, ",") + "} ")
		b.WriteString(strconv.FormatFloat(s.value, 'f', -1, 64) + "\n")
	}
	return b.String()
}

// Members are counted by state (an empty state is UNKNOWN), the cluster state is a 1; backups and runs are
// counted by phase per cluster (no phase yet is Pending), and the newest Succeeded backup's completion time is
// the last success, a newer failed one notwithstanding.
func TestObjectSamples(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	in := &objectLists{}
	in.clusters.Items = []v1.InnoDBCluster{
		cluster("db", "shop", v1.ClusterStateOnlinePartial, "ONLINE", "ONLINE", "RECOVERING", ""),
		cluster("db", "new", "")}
	in.backups.Items = []v1.MySQLBackup{backup("db", "shop", v1.BackupSucceeded, t0),
		backup("db", "shop", v1.BackupSucceeded, t0.Add(time.Hour)), backup("db", "shop", v1.BackupFailed,
			t0.Add(2*time.Hour)), backup("db", "shop", "", time.Time{})}
	run := v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: "db"}}
	run.Spec.ClusterName, run.Status.Phase = "shop", v1.MigrationAwaitingApproval
	in.runs.Items = []v1.MigrationRun{run}
	want := `orca_cluster_state{db,shop,ONLINE_PARTIAL} 1
orca_cluster_members{db,shop,ONLINE} 2
orca_cluster_members{db,shop,RECOVERING} 1
orca_cluster_members{db,shop,UNKNOWN} 1
orca_backups{db,shop,Failed} 1
orca_backups{db,shop,Pending} 1
orca_backups{db,shop,Succeeded} 2
orca_backup_last_success_timestamp_seconds{db,shop} 1800003600
orca_migration_runs{db,shop,AwaitingApproval} 1
`
	if got := render(objectSamples(in)); got != want {
		t.Errorf("samples:\n%s\nwant:\n%s", got, want)
	}
}
