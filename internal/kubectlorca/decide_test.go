package kubectlorca

import (
	"bytes"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestEndpoints(t *testing.T) {
	noRouter := testCluster()
	noRouter.Spec.Router = nil
	zeroRouters := testCluster()
	zeroRouters.Spec.Router.Instances = ptr.To[int32](0)
	for _, tc := range []struct {
		name       string
		c          *v1.InnoDBCluster
		zone       string
		want, none []string
	}{
		{"no router", noRouter, "mysql.orca.internal", []string{
			"mysql://root@mycluster.shop.svc:3306", "mysqlx://root@mycluster.shop.svc:33060",
			"mysql://root@mycluster-primary.shop.svc:3306", "mysql://root@mycluster-replicas.shop.svc:3306",
			"mysqlx+srv://root@_mysqlx._tcp.mycluster.shop.mysql.orca.internal",
			"mysql+srv://root@_mysql._tcp.mycluster.shop.mysql.orca.internal",
			"mysql+srv://root@_mysql._tcp.primary.mycluster.shop.mysql.orca.internal",
			"mysql+srv://root@_mysql._tcp.replicas.mycluster.shop.mysql.orca.internal",
		}, []string{"6446", "6448", "mycluster-ro"}},
		{"router instances 0", zeroRouters, "db.example", []string{
			"mysqlx+srv://root@_mysqlx._tcp.mycluster.shop.db.example"}, []string{"6446", "mycluster-ro"}},
		{"router defaulted to 2", testCluster(), "mysql.orca.internal", []string{
			"mysql://root@mycluster-ro.shop.svc:3306", "mysqlx://root@mycluster-ro.shop.svc:33060",
			"mysql://root@mycluster.shop.svc:6446", "mysql://root@mycluster.shop.svc:6447",
			"mysqlx://root@mycluster.shop.svc:6448", "mysqlx://root@mycluster.shop.svc:6449",
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeConnect(&buf, tc.c, endpoints(tc.c, "root", tc.zone), ""); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range append(tc.want, "Secret shop/mycluster-credentials, keys rootUser (user) and rootPassword") {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range append(tc.none, "Password:") {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}

func TestWriteConnectPassword(t *testing.T) {
	c := testCluster()
	c.Spec.SecretName = "own-secret"
	var buf bytes.Buffer
	if err := writeConnect(&buf, c, endpoints(c, "admin", "z"), "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Password: s3cr3t", "Secret shop/own-secret", "mysql://admin@mycluster.shop.svc:3306"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, buf.String())
		}
	}
}

func TestCheckSwitchoverTarget(t *testing.T) {
	c := testCluster()
	if err := checkSwitchoverTarget(c, "mycluster-1"); err != nil {
		t.Errorf("a member was refused: %v", err)
	}
	err := checkSwitchoverTarget(c, "mycluster-7")
	if err == nil || !strings.Contains(err.Error(), "members are mycluster-0, mycluster-1, mycluster-2") {
		t.Errorf("unknown pod: %v", err)
	}
	c.Status.Members = nil
	if err := checkSwitchoverTarget(c, "mycluster-0"); err == nil || !strings.Contains(err.Error(), "no members yet") {
		t.Errorf("no members: %v", err)
	}
}

func TestSwitchoverOutcome(t *testing.T) {
	blocked := func(msg string) *v1.InnoDBCluster {
		c := testCluster()
		c.Status.Conditions = append(c.Status.Conditions, metav1.Condition{Type: "GroupOnline",
			Reason: string(v1.ReasonSwitchoverBlocked), Message: msg})
		return c
	}
	for _, tc := range []struct {
		name        string
		c           *v1.InnoDBCluster
		target      string
		done        bool
		wantBlocked string
	}{
		{"target is primary", testCluster(), "mycluster-0", true, ""},
		{"still waiting", testCluster(), "mycluster-1", false, ""},
		{"blocked for target", blocked("cannot switch over to mycluster-1: it is RECOVERING"), "mycluster-1", false,
			"cannot switch over to mycluster-1: it is RECOVERING"},
		{"blocked for another pod", blocked("cannot switch over to mycluster-10: it is RECOVERING"),
			"mycluster-1", false, ""},
		{"done wins over a stale block", blocked("cannot switch over to mycluster-0: x"), "mycluster-0", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, msg := switchoverOutcome(tc.c, tc.target)
			if done != tc.done || msg != tc.wantBlocked {
				t.Errorf("got (%v, %q), want (%v, %q)", done, msg, tc.done, tc.wantBlocked)
			}
		})
	}
}

func TestCheckApprovable(t *testing.T) {
	run := func(phase v1.MigrationPhase, ann, by string) *v1.MigrationRun {
		r := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Name: "r"}, Status: v1.MigrationRunStatus{
			Phase: phase, ApprovedBy: by}}
		if ann != "" {
			r.Annotations = map[string]string{v1.AnnotationApprovedBy: ann}
		}
		return r
	}
	blockedForGood := run(v1.MigrationBlocked, "", "")
	now := metav1.Now()
	blockedForGood.Status.Reason, blockedForGood.Status.CompletionTime = v1.ReasonMissingPrimaryKey, &now
	for _, tc := range []struct {
		name string
		run  *v1.MigrationRun
		want string
	}{
		{"awaiting", run(v1.MigrationAwaitingApproval, "", ""), ""},
		{"pending", run(v1.MigrationPending, "", ""), ""},
		{"annotated", run(v1.MigrationAwaitingApproval, "alice", ""), "already approved by alice"},
		{"recorded", run(v1.MigrationRunning, "", "bob"), "already approved by bob"},
		{"ended", run(v1.MigrationFailed, "", ""), "has ended (Failed)"},
		{"blocked, checked again", run(v1.MigrationBlocked, "", ""), ""},
		{"blocked for good", blockedForGood, "has ended (Blocked for good, MissingPrimaryKey)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkApprovable(tc.run)
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBackupName(t *testing.T) {
	if got := backupName("mycluster", t0.Add(90*60e9)); got != "mycluster-20261201-113000" {
		t.Errorf("got %q", got)
	}
}
