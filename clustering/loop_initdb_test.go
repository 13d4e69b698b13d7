package clustering_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// With spec.initDB the loop does not bootstrap the group while the restore Job runs (its members stay out of
// any group and GroupOnline says WaitingForRestore); once the reconciler records the restore as Completed, the
// group is bootstrapped on the first member and the others join (simulator).
func TestLoopBootstrapsOnlyAfterTheInitDBRestore(t *testing.T) {
	w := newWorldWith(t, 3, mysqlsim.Config{Second: 5 * time.Millisecond}, func(s *v1.InnoDBClusterSpec) {
		s.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{Location: "nightly", Storage: &v1.BackupStorage{
			S3: v1.S3Storage{Bucket: "backups", CredentialsSecret: "s3"}}}}
	})
	eventually(t, 20*time.Second, func() error {
		c := w.get()
		g := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionGroupOnline))
		if c.Status.InitDB == nil || c.Status.InitDB.Phase != v1.InitDBRunning || g == nil ||
			g.Reason != string(v1.ReasonWaitingForRestore) {
			return fmt.Errorf("initDB %+v, GroupOnline %+v", c.Status.InitDB, g)
		}
		return nil
	})
	w.waitPasses(5) // while the restore runs
	c := w.get()
	if c.Status.Bootstrapped {
		t.Fatal("the group was bootstrapped while the initDB restore ran")
	}
	for i, m := range w.members {
		if st := m.State(); st != mysqlsim.StateOffline {
			t.Fatalf("member %d is %s while the initDB restore runs", i, st)
		}
	}
	if err := envtestutil.FinishJob(context.Background(), k8s, w.ns, "db-initdb", map[string]string{
		v1.LabelComponent: v1.ComponentInitDB, v1.LabelCluster: "db"}, true,
		`{"rows":10,"restoreSeconds":1.5}`); err != nil {
		t.Fatal(err)
	}
	w.waitOnline(0)
	if c := w.get(); !c.Status.Bootstrapped || c.Status.InitDB.Phase != v1.InitDBCompleted {
		t.Fatalf("after the restore: bootstrapped %v, initDB %+v", c.Status.Bootstrapped, c.Status.InitDB)
	}
}
