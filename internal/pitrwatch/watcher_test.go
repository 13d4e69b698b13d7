package pitrwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/peers"
)

var k8s client.Client

func TestMain(m *testing.M) {
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		os.Exit(1)
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		stop()
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func put(t *testing.T, st backup.Store, key string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// segment writes segment seq (transactions 0-1-(5seq-4) .. 0-1-5seq) and its index entry.
func segment(t *testing.T, st backup.Store, seq uint64, at time.Time) pitr.Segment {
	t.Helper()
	n := 5 * seq
	s := pitr.Segment{Seq: seq, Flavor: "mariadb", Size: 100, SHA256: strings.Repeat("ab", 32), Transactions: 5,
		FirstGTID: fmt.Sprintf("0-1-%d", n-4), LastGTID: fmt.Sprintf("0-1-%d", n), FirstTime: at, LastTime: at,
		StartSet: fmt.Sprintf("0-1-%d", n-5), EndSet: fmt.Sprintf("0-1-%d", n), ArchivedAt: at}
	if seq == 1 {
		s.StartSet = ""
	}
	put(t, st, pitr.SegmentKey(seq), "binary log")
	put(t, st, pitr.IndexKey(seq), s)
	return s
}

// reasons records the reasons of the events emitted, in order.
type reasons struct{ got []string }

func (r *reasons) Eventf(_, _ runtime.Object, _, reason, _, _ string, _ ...any) {
	r.got = append(r.got, reason)
}

func (r *reasons) AnnotatedEventf(regarding, related runtime.Object, _ map[string]string, typ, reason,
	action, note string, args ...any) {
	r.Eventf(regarding, related, typ, reason, action, note, args...)
}

func condition(t *testing.T, k client.ObjectKey) (*v1.PITRStatus, *metav1.Condition) {
	t.Helper()
	var c v1.InnoDBCluster
	if err := k8s.Get(context.Background(), k, &c); err != nil {
		t.Fatal(err)
	}
	return c.Status.PITR, meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionPITRChainHealthy))
}

// The watcher reads a real archive in versitygw and writes the chain's health into a real API server's status:
// whole, then a deleted segment reported as a gap (no restore tried), then the archiver down, then PITR off.
func TestWatcherReportsTheChainsHealth(t *testing.T) {
	ctx := context.Background()
	s3 := peers.StartS3(t, "backups")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "pitrwatch-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "s3"},
		Data: map[string][]byte{v1.KeyS3AccessKeyID: []byte(s3.AccessKey),
			v1.KeyS3SecretAccessKey: []byte(s3.SecretKey)}}
	storage := v1.S3Storage{Bucket: "backups", Prefix: "prod/db", Endpoint: s3.Endpoint, PathStyle: true,
		CredentialsSecret: "s3"}
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "db"},
		Spec: v1.InnoDBClusterSpec{Backup: &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true,
			Storage: v1.BackupStorage{S3: storage}}}}}
	for _, o := range []client.Object{sec, c} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	st, err := OpenS3(storage, s3.AccessKey, s3.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	ev := &reasons{}
	w := &Watcher{Client: k8s, Now: func() time.Time { return now }, Recorder: ev}
	k := client.ObjectKeyFromObject(c)

	w.Pass(ctx)
	if _, cond := condition(t, k); cond == nil || cond.Reason != string(v1.ReasonArchiveEmpty) {
		t.Fatalf("empty archive: condition %+v", cond)
	}

	for seq := uint64(1); seq <= 3; seq++ {
		segment(t, st, seq, now.Add(time.Duration(seq)*time.Second-time.Minute))
	}
	put(t, st, pitr.HeartbeatKey, pitr.Heartbeat{At: now, Source: "db-0:3306", Following: true, Since: now,
		Archived: "0-1-15"})
	w.Pass(ctx)
	p, cond := condition(t, k)
	if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != string(v1.ReasonChainContinuous) {
		t.Fatalf("whole chain: condition %+v", cond)
	}
	if p == nil || p.LatestGTIDSet != "0-1-15" || p.Segments != 3 || p.RestorableSince != 1 ||
		!p.LatestRestorableTime.Equal(&metav1.Time{Time: now.Add(3*time.Second - time.Minute)}) {
		t.Fatalf("whole chain: status.pitr %+v", p)
	}

	if err := st.Delete(ctx, pitr.SegmentKey(2)); err != nil {
		t.Fatal(err)
	}
	w.Pass(ctx)
	p, cond = condition(t, k)
	if cond.Status != metav1.ConditionFalse || cond.Reason != string(v1.ReasonSegmentMissing) ||
		!strings.Contains(cond.Message, "segment 2") || p.RestorableSince != 3 {
		t.Fatalf("segment 2 deleted: condition %+v, restorable since %d", cond, p.RestorableSince)
	}

	put(t, st, pitr.SegmentKey(2), "binary log")
	now = now.Add(2 * time.Hour)
	w.Pass(ctx)
	if _, cond = condition(t, k); cond.Status != metav1.ConditionFalse ||
		cond.Reason != string(v1.ReasonArchiverDown) {
		t.Fatalf("heartbeat 2 h old: condition %+v", cond)
	}

	var cur v1.InnoDBCluster
	if err := k8s.Get(ctx, k, &cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Backup.PITR.Enabled = false
	if err := k8s.Update(ctx, &cur); err != nil {
		t.Fatal(err)
	}
	w.Pass(ctx)
	if p, cond = condition(t, k); p != nil || cond != nil {
		t.Fatalf("PITR disabled: status.pitr %+v, condition %+v", p, cond)
	}
	// Once per change: healthy, broken by the deleted segment (still broken while the archiver is down).
	if got := fmt.Sprint(ev.got); got != "[PITRChainHealthy PITRChainBroken]" {
		t.Errorf("events %s", got)
	}
}

// Storage that cannot be read makes the condition Unknown with the reason, not a gap.
func TestWatcherReportsAnUnreadableArchive(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "pitrwatch-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "db"},
		Spec: v1.InnoDBClusterSpec{Backup: &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true,
			Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "backups", CredentialsSecret: "absent"}}}}}}
	if err := k8s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	(&Watcher{Client: k8s}).Pass(ctx)
	_, cond := condition(t, client.ObjectKeyFromObject(c))
	if cond == nil || cond.Status != metav1.ConditionUnknown || cond.Reason != string(v1.ReasonArchiveUnreadable) ||
		!strings.Contains(cond.Message, "absent") {
		t.Fatalf("condition %+v", cond)
	}
}

// backupAt creates a MySQLBackup of cluster db in storage and gives it a phase and a GTID set.
func backupAt(t *testing.T, ns, name string, storage v1.S3Storage, phase v1.BackupPhase, gtid string) {
	t.Helper()
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.MySQLBackupSpec{ClusterName: "db", Storage: v1.BackupStorage{S3: storage}}}
	if err := k8s.Create(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	b.Status.Phase, b.Status.GTIDSet = phase, gtid
	if err := k8s.Status().Update(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// Retention against a real S3 server: segments every retained backup holds are deleted, oldest first; the one
// the oldest backup needs, and everything after it, stay; the chain shows no gap afterwards.
func TestWatcherExpiresSegmentsNoRetainedBackupNeeds(t *testing.T) {
	ctx := context.Background()
	s3 := peers.StartS3(t, "backups")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "pitrwatch-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	storage := v1.S3Storage{Bucket: "backups", Prefix: "prod/db", Endpoint: s3.Endpoint, PathStyle: true,
		CredentialsSecret: "s3"}
	for _, o := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "s3"},
			Data: map[string][]byte{v1.KeyS3AccessKeyID: []byte(s3.AccessKey),
				v1.KeyS3SecretAccessKey: []byte(s3.SecretKey)}},
		&v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "db"},
			Spec: v1.InnoDBClusterSpec{Backup: &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true,
				Storage: v1.BackupStorage{S3: storage}}}}},
	} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	// Segment n holds 0-1-(5n-4) .. 0-1-5n. The oldest retained backup, at 0-1-12, needs segment 3 on.
	elsewhere := storage
	elsewhere.Prefix = "old/db"
	backupAt(t, ns.Name, "b17", storage, v1.BackupSucceeded, "0-1-17")
	backupAt(t, ns.Name, "b12", storage, v1.BackupSucceeded, "0-1-12")
	backupAt(t, ns.Name, "failed", storage, v1.BackupFailed, "0-1-3")
	backupAt(t, ns.Name, "other", elsewhere, v1.BackupSucceeded, "0-1-2")
	st, err := OpenS3(storage, s3.AccessKey, s3.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for seq := uint64(1); seq <= 5; seq++ {
		segment(t, st, seq, now.Add(time.Duration(seq)*time.Second-time.Minute))
	}
	put(t, st, pitr.HeartbeatKey, pitr.Heartbeat{At: now, Following: true, Since: now})
	ev := &reasons{}
	w := &Watcher{Client: k8s, Recorder: ev}
	w.Pass(ctx)
	w.Pass(ctx)
	if got := fmt.Sprint(ev.got); got != "[PITRSegmentsExpired]" {
		t.Errorf("events %s", got)
	}
	segs, present, err := pitr.LoadIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, s := range segs {
		seqs = append(seqs, s.Seq)
	}
	if fmt.Sprint(seqs) != "[3 4 5]" || len(present) != 3 || present[pitr.SegmentKey(2)] {
		t.Fatalf("after retention: index %v, segment objects %v", seqs, present)
	}
	p, cond := condition(t, client.ObjectKey{Namespace: ns.Name, Name: "db"})
	if cond.Reason != string(v1.ReasonChainContinuous) || p.RestorableSince != 3 || p.Segments != 3 {
		t.Fatalf("after retention: condition %+v, status.pitr %+v", cond, p)
	}
}
