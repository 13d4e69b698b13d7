package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/migrate"
)

func migrationHook(ns, name string, f func(*v1.MigrationHookSpec)) *v1.MigrationHook {
	h := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.MigrationHookSpec{ClusterName: "db", SecretRef: v1.HookSecretRef{Name: "webhook"},
			Source:   v1.MigrationSource{URL: "https://git.example/acme/app.git", Path: "db/migrations"},
			Database: v1.MigrationDatabase{SecretName: "app-db", Name: "shop"}}}
	if f != nil {
		f(&h.Spec)
	}
	return h
}

// newRun creates a run as the receiver would.
func newRun(t *testing.T, ns, hook, delivery string, commit int) *v1.MigrationRun {
	t.Helper()
	run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: v1.MigrationRunName(hook, delivery),
		Labels: map[string]string{v1.LabelMigrationHook: hook, v1.LabelCluster: "db"}},
		Spec: v1.MigrationRunSpec{HookName: hook, ClusterName: "db", Commit: fmt.Sprintf("%040x", commit),
			Ref: "refs/heads/main", Sender: "octocat", DeliveryID: delivery, Event: "push"}}
	if err := k8s.Create(context.Background(), run); err != nil {
		t.Fatalf("create run: %v", err)
	}
	return run
}

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := k8s.Create(context.Background(), o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
}

// setClusterOnline writes the status the cluster's loop would write for a healthy group.
func setClusterOnline(t *testing.T, c *v1.InnoDBCluster) {
	t.Helper()
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(c.Namespace, c.Name), c); err != nil {
			return err
		}
		c.Status.ClusterState, c.Status.OnlineInstances = v1.ClusterStateOnline, 3
		return k8s.Status().Update(context.Background(), c)
	})
}

// runIn waits until the run reaches phase (and reason, when given) and returns it.
func runIn(t *testing.T, run *v1.MigrationRun, phase v1.MigrationPhase, reason v1.MigrationReason) *v1.MigrationRun {
	t.Helper()
	var got v1.MigrationRun
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(run.Namespace, run.Name), &got); err != nil {
			return err
		}
		if got.Status.Phase != phase || (reason != "" && got.Status.Reason != reason) {
			return fmt.Errorf("run %s is %s/%s, want %s/%s", run.Name, got.Status.Phase, got.Status.Reason, phase, reason)
		}
		return nil
	})
	return &got
}

// endPod plays the kubelet: the migrate container terminated with the runner's report.
func endPod(t *testing.T, ns, name string, phase corev1.PodPhase, report migrate.Report) {
	t.Helper()
	eventually(t, wait, func() error {
		var pod corev1.Pod
		if err := k8s.Get(context.Background(), key(ns, name), &pod); err != nil {
			return err
		}
		code := int32(0)
		if phase == corev1.PodFailed {
			code = 1
		}
		pod.Status.Phase = phase
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Message: string(report.Encode())}}}}
		return k8s.Status().Update(context.Background(), &pod)
	})
}

func envValue(c corev1.Container, name string) (string, *corev1.EnvVarSource) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, e.ValueFrom
		}
	}
	return "", nil
}

// TestMigrationRunLifecycle: Blocked while the cluster is not ONLINE, then a restricted Pod owned by the run
// with the connection to <cluster> in its environment; the run follows the Pod to Succeeded with the runner's
// report, and a second run, queued behind it, fails with the failing statement.
func TestMigrationRunLifecycle(t *testing.T) {
	ns := newNamespace(t)
	cluster := createCluster(t, newCluster(ns, "db"))
	create(t, migrationHook(ns, "app", nil))
	first := newRun(t, ns, "app", "d-1", 1)
	runIn(t, first, v1.MigrationBlocked, v1.ReasonClusterNotOnline)
	waitEvent(t, ns, "MigrationBlocked")
	if err := k8s.Get(context.Background(), key(ns, first.Name), &corev1.Pod{}); err == nil {
		t.Fatal("a Pod was created while the cluster is not ONLINE")
	}
	setClusterOnline(t, cluster)
	running := runIn(t, first, v1.MigrationRunning, "")
	pod := get(t, key(ns, running.Status.PodName), &corev1.Pod{})
	checkMigrationPod(t, pod, running)
	waitEvent(t, ns, "MigrationStarted")
	get(t, key(ns, "orca-migrate"), &rbacv1.RoleBinding{})

	second := newRun(t, ns, "app", "d-2", 2)
	runIn(t, second, v1.MigrationPending, v1.ReasonRunInProgress)
	eventually(t, wait, func() error {
		var h v1.MigrationHook
		if err := k8s.Get(context.Background(), key(ns, "app"), &h); err != nil {
			return err
		}
		if h.Status.ReceiverPath != "/hooks/"+ns+"/app" || h.Status.LastDeliveryID != "d-2" ||
			h.Status.ReceiverURL != "https://hooks.example.com/hooks/"+ns+"/app" {
			return fmt.Errorf("hook status %+v", h.Status)
		}
		return nil
	})

	endPod(t, ns, pod.Name, corev1.PodSucceeded, migrate.Report{Flavor: migrate.FlavorMariaDB,
		Applied: []migrate.ReportedFile{{Version: "1", File: "V1__a.sql", Checksum: "c1", Statements: 2, GTIDAfter: "0-1-5"},
			{Version: "2", File: "V2__b.sql", Checksum: "c2", Statements: 1, GTIDAfter: "0-1-6"}}})
	done := runIn(t, first, v1.MigrationSucceeded, "")
	if done.Status.Version != "2" || len(done.Status.Applied) != 2 || done.Status.Applied[1].GTIDAfter != "0-1-6" ||
		done.Status.CompletionTime == nil {
		t.Fatalf("succeeded run's status: %+v", done.Status)
	}
	waitEvent(t, ns, "MigrationSucceeded")

	runIn(t, second, v1.MigrationRunning, "")
	endPod(t, ns, second.Name, corev1.PodFailed, migrate.Report{Reason: v1.ReasonStatementFailed,
		Error: "V3__c.sql statement 1 (line 4): statement failed: Error 1146", Failure: &migrate.Failure{
			File: "V3__c.sql", Index: 1, Statement: "INSERT INTO missing VALUES (1)", Error: "Error 1146"},
		Lint: []migrate.Finding{{File: "V3__c.sql", Index: 0, Rule: "MissingPrimaryKey", Severity: "error",
			Message: "creates a table without a primary key"}}})
	failed := runIn(t, second, v1.MigrationFailed, v1.ReasonStatementFailed)
	waitEvent(t, ns, "MigrationFailed")
	if len(failed.Status.Lint) != 1 || failed.Status.Lint[0].Rule != "MissingPrimaryKey" {
		t.Errorf("lint findings in the status: %+v", failed.Status.Lint)
	}
	if f := failed.Status.Failure; f == nil || f.File != "V3__c.sql" || f.StatementIndex != 1 {
		t.Fatalf("failure: %+v", failed.Status)
	}
}

func checkMigrationPod(t *testing.T, pod *corev1.Pod, run *v1.MigrationRun) {
	t.Helper()
	if !metav1.IsControlledBy(pod, run) || pod.Spec.RestartPolicy != corev1.RestartPolicyNever ||
		pod.Spec.ServiceAccountName != "orca-migrate" || !*pod.Spec.SecurityContext.RunAsNonRoot {
		t.Fatalf("pod %s: owner %v, spec %+v", pod.Name, pod.OwnerReferences, pod.Spec)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "orca:test" || *c.SecurityContext.AllowPrivilegeEscalation || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Fatalf("container %+v", c)
	}
	if uri, _ := envValue(c, "MYSQL_SRV_URI"); uri != "mysql+srv://_mysql._tcp.primary.db."+run.Namespace+
		".mysql.orca.internal/shop" {
		t.Errorf("MYSQL_SRV_URI %q, want the primary's SRV name with DNS SRV on", uri)
	}
	if host, _ := envValue(c, "MYSQL_HOST"); host != "db."+run.Namespace+".svc" {
		t.Errorf("MYSQL_HOST %q, want the cluster's Service db.%s.svc", host, run.Namespace)
	}
	if _, from := envValue(c, "MYSQL_PASSWORD"); from == nil || from.SecretKeyRef.Name != "app-db" ||
		from.SecretKeyRef.Key != "password" {
		t.Errorf("MYSQL_PASSWORD from %+v", from)
	}
	want := []string{"migrate", "--repository=https://git.example/acme/app.git", "--commit=" + run.Spec.Commit,
		"--path=db/migrations", "--work-dir=/work/src", "--lease-name=db-migrations", "--run=" + run.Name,
		"--lint-policy=warn", "--result-file=/dev/termination-log"}
	if fmt.Sprint(c.Args) != fmt.Sprint(want) {
		t.Errorf("args %v, want %v", c.Args, want)
	}
}

// TestMigrationRunApprovalAndForbid: requireApproval holds a run until the annotation names who approved it;
// under Forbid a run arriving while another runs is blocked for good.
func TestMigrationRunApprovalAndForbid(t *testing.T) {
	ns := newNamespace(t)
	setClusterOnline(t, createCluster(t, newCluster(ns, "db")))
	create(t, migrationHook(ns, "gated", func(s *v1.MigrationHookSpec) {
		s.RequireApproval, s.ConcurrencyPolicy = true, v1.ConcurrencyForbid
	}))
	run := newRun(t, ns, "gated", "a-1", 1)
	runIn(t, run, v1.MigrationAwaitingApproval, "")
	approve(t, run, "dba@example.org")
	if got := runIn(t, run, v1.MigrationRunning, ""); got.Status.ApprovedBy != "dba@example.org" {
		t.Fatalf("approvedBy %q", got.Status.ApprovedBy)
	}
	late := newRun(t, ns, "gated", "a-2", 2)
	approve(t, late, "dba@example.org")
	runIn(t, late, v1.MigrationBlocked, v1.ReasonRunInProgress)
	endPod(t, ns, run.Name, corev1.PodSucceeded, migrate.Report{Flavor: migrate.FlavorMariaDB})
	runIn(t, run, v1.MigrationSucceeded, "")
	runIn(t, late, v1.MigrationBlocked, v1.ReasonRunInProgress) // Forbid: it never starts
}

// approve does what `kubectl orca approve` does: the annotation naming who approved.
func approve(t *testing.T, run *v1.MigrationRun, who string) {
	t.Helper()
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(run.Namespace, run.Name), run); err != nil {
			return err
		}
		run.Annotations = map[string]string{v1.AnnotationApprovedBy: who}
		return k8s.Update(context.Background(), run)
	})
}
