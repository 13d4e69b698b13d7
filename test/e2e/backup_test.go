package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
)

// TestBackupJobRunsAgainstTheSample: a MySQLBackup of the sample cluster runs its Job for real (the pod runner
// runs `orca backup` against a simulated secondary, through the member map), the Job completes, the backup's
// status has the member's GTID set from the termination message, and its manifest is in versitygw. Then, verify
// being on by default, its restore-verify Job runs for real too: `orca restore --verify` loads the backup into
// the scratch sidecar (a MariaDB of the pod's own, on its loopback address) and the backup turns Verified with
// its restoreSeconds.
func TestBackupJobRunsAgainstTheSample(t *testing.T) {
	h := startHarness(t)
	s3 := peers.StartS3(t, "backups")
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-backup-"}}
	if err := h.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "s3"},
		StringData: map[string]string{v1.KeyS3AccessKeyID: s3.AccessKey, v1.KeyS3SecretAccessKey: s3.SecretKey}}
	if err := h.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	ic := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	ic.Namespace = ns.Name
	// The backup Job, the restore-verify Job and the copy's initdb restore Job verify TLS: they work with members
	// that refuse connections without it (docs/tls.md).
	ic.Spec.Mycnf += "require_secure_transport=ON\n"
	if err := h.Client.Create(ctx, ic); err != nil {
		t.Fatalf("create the sample: %v", err)
	}
	c := &cluster{h: h, t: t, obj: ic}
	eventually(t, 90*time.Second, func() error {
		if s := c.get().Status; s.ClusterState != v1.ClusterStateOnline || s.OnlineInstances != 3 {
			return fmt.Errorf("state %s, online %d", s.ClusterState, s.OnlineInstances)
		}
		return nil
	})
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "first"},
		Spec: v1.MySQLBackupSpec{ClusterName: ic.Name, Storage: v1.BackupStorage{
			S3: v1.S3Storage{Bucket: "backups", Prefix: "e2e", Endpoint: s3.Endpoint, PathStyle: true,
				CredentialsSecret: "s3"}}}}
	if err := h.Client.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() error {
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		if b.Status.Phase == v1.BackupFailed {
			t.Fatalf("backup failed: %s\n%s", b.Status.Message,
				exitedLog(h.Pods, ns.Name, backupPod(t, h, b, v1.ComponentBackup)))
		}
		if b.Status.Phase != v1.BackupSucceeded {
			return fmt.Errorf("backup %s: %s", b.Status.Phase, b.Status.Message)
		}
		return nil
	})
	var job batchv1.Job
	if err := h.Client.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: specs.BackupJobName(b)}, &job); err != nil ||
		job.Status.Succeeded != 1 {
		t.Fatalf("backup Job: %v, succeeded %d", err, job.Status.Succeeded)
	}
	if b.Status.SourceRole != "SECONDARY" || b.Status.GTIDSet == "" || b.Status.Location != "s3://backups/e2e/first" {
		t.Fatalf("backup status %+v", b.Status)
	}
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "e2e/first", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.LoadManifest(ctx, st)
	if err != nil {
		t.Fatalf("manifest of the backup: %v", err)
	}
	if m.Position.GTIDSet != b.Status.GTIDSet {
		t.Errorf("manifest GTID set %q, status %q", m.Position.GTIDSet, b.Status.GTIDSet)
	}
	waitVerified(t, h, b)
	restoreIntoNewCluster(t, h, ic, b)
}

// restoreIntoNewCluster: a second cluster from the sample with spec.initDB.dump naming the backup runs its
// restore Job for real (`orca restore` into its first simulated member, through the member map), records the
// restore as Completed, then bootstraps its group and comes ONLINE.
func restoreIntoNewCluster(t *testing.T, h *harness, sample *v1.InnoDBCluster, b *v1.MySQLBackup) {
	t.Helper()
	ctx := context.Background()
	cp := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	cp.Namespace, cp.Name, cp.Spec.Mycnf = sample.Namespace, "copy", sample.Spec.Mycnf
	cp.Spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: b.Name}}
	if err := h.Client.Create(ctx, cp); err != nil {
		t.Fatalf("create the copy: %v", err)
	}
	c := &cluster{h: h, t: t, obj: cp}
	err := testutil.Poll(3*time.Minute, 200*time.Millisecond, func() error {
		s := c.get().Status
		if s.InitDB != nil && s.InitDB.Phase == v1.InitDBFailed {
			t.Fatalf("initDB restore failed: %+v\n%s", s.InitDB, initDBLog(h, cp))
		}
		if s.InitDB == nil || s.InitDB.Phase != v1.InitDBCompleted {
			return fmt.Errorf("initDB %+v", s.InitDB)
		}
		if s.ClusterState != v1.ClusterStateOnline || s.OnlineInstances != 3 {
			return fmt.Errorf("state %s, online %d", s.ClusterState, s.OnlineInstances)
		}
		return nil
	})
	if err != nil {
		var j batchv1.Job
		jerr := h.Client.Get(ctx, client.ObjectKey{Namespace: cp.Namespace, Name: specs.InitDBJobName(cp)}, &j)
		t.Fatalf("%v\njob %v %+v\n%s", err, jerr, j.Status, initDBLog(h, cp))
	}
	s := c.get().Status.InitDB
	if s.Location != b.Status.Location || s.JobName == "" || s.RestoreSeconds == nil || s.CompletionTime == nil {
		t.Fatalf("initDB status %+v, want the backup's location and the Job's report", s)
	}
	t.Logf("initDB restore by Job %s of %s in %d s", s.JobName, s.Location, *s.RestoreSeconds)
}

// initDBLog is the output of the copy's initDB Job pods so far; a pod still running is sent SIGQUIT first, so
// its log ends with the Go runtime's stack of every goroutine (where it waits).
func initDBLog(h *harness, c *v1.InnoDBCluster) string {
	var b strings.Builder
	for _, p := range h.Pods.Processes() {
		if p.Namespace == c.Namespace && strings.HasPrefix(p.Pod, specs.InitDBJobName(c)) && !p.Exited {
			_ = syscall.Kill(p.PID, syscall.SIGQUIT)
			_ = testutil.Poll(10*time.Second, 100*time.Millisecond, func() error {
				if _, err := os.FindProcess(p.PID); err == nil && syscall.Kill(p.PID, 0) == nil {
					return fmt.Errorf("pid %d still runs", p.PID)
				}
				return nil
			})
		}
	}
	for _, p := range h.Pods.Processes() {
		if p.Namespace == c.Namespace && strings.HasPrefix(p.Pod, specs.InitDBJobName(c)) {
			out, err := os.ReadFile(p.Log)
			fmt.Fprintf(&b, "--- %s/%s (exited %v, code %d, %v):\n%s\n", p.Pod, p.Container, p.Exited, p.ExitCode,
				err, out)
		}
	}
	return b.String()
}

// waitVerified waits for the backup's restore-verify Job to pass: verified, verifiedAt, restoreSeconds and the
// Verified condition True.
func waitVerified(t *testing.T, h *harness, b *v1.MySQLBackup) {
	t.Helper()
	ctx := context.Background()
	err := testutil.Poll(3*time.Minute, 200*time.Millisecond, func() error {
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(b), b); err != nil {
			return err
		}
		c := meta.FindStatusCondition(b.Status.Conditions, string(v1.BackupConditionVerified))
		if b.Status.Verified != nil && !*b.Status.Verified {
			t.Fatalf("verification failed: %+v\n%s", c,
				exitedLog(h.Pods, b.Namespace, backupPod(t, h, b, v1.ComponentBackupVerify)))
		}
		if c == nil || c.Status != metav1.ConditionTrue || b.Status.Verified == nil || b.Status.VerifiedAt == nil ||
			b.Status.RestoreSeconds == nil {
			return fmt.Errorf("not verified yet: %+v", c)
		}
		return nil
	})
	if err != nil {
		pod := backupPod(t, h, b, v1.ComponentBackupVerify)
		for _, p := range h.Pods.Processes() {
			if p.Namespace == b.Namespace && p.Pod == pod {
				log, _ := os.ReadFile(p.Log)
				t.Logf("--- %s (exited %v, %d) ---\n%s", p.Container, p.Exited, p.ExitCode, log)
			}
		}
		var po corev1.Pod
		_ = h.Client.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: pod}, &po)
		t.Fatalf("%v\npod status: %+v", err, po.Status)
	}
}

// backupPod names the pod of the backup's Job of a component (its backup or restore-verify Job), for its log.
func backupPod(t *testing.T, h *harness, b *v1.MySQLBackup, component string) string {
	var pods corev1.PodList
	if err := h.Client.List(context.Background(), &pods, client.InNamespace(b.Namespace),
		client.MatchingLabels{v1.LabelBackup: b.Name, v1.LabelComponent: component}); err != nil ||
		len(pods.Items) == 0 {
		t.Logf("no %s pod: %v", component, err)
		return ""
	}
	return pods.Items[0].Name
}
