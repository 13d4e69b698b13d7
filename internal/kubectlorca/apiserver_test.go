package kubectlorca

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
)

// The plugin against a real kube-apiserver: the commands run through their cobra entry point with a kubeconfig
// file, and what they print and write is checked on the server. No operator runs; where a command waits for
// Orca, the test plays Orca's part by writing the status.

const ns = "shop"

func TestAgainstAPIServer(t *testing.T) {
	envtestutil.SetLogger()
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("control plane: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme, err := newScheme()
	if err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, k8s)
	run := runner(writeKubeconfig(t, cfg))
	t.Run("status", func(t *testing.T) { testStatus(t, run) })
	t.Run("switchover", func(t *testing.T) { testSwitchover(t, k8s, run) })
	t.Run("backup", func(t *testing.T) { testBackupNow(t, k8s, run) })
	t.Run("approve", func(t *testing.T) { testApprove(t, k8s, run) })
	t.Run("connect", func(t *testing.T) { testConnect(t, run) })
	t.Run("complete cluster names", func(t *testing.T) {
		out, err := run(t, "__complete", "status", "")
		must(t, err)
		wantContains(t, out, "mycluster\n", ":4\n") // the name, then ShellCompDirectiveNoFileComp
	})
	t.Run("documented permissions suffice", func(t *testing.T) { testLeastPrivilege(t, env, k8s) })
}

// runner runs the plugin's commands with the kubeconfig file, as `kubectl orca ARGS` does.
func runner(kubeconfig string) runFunc {
	return func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := NewCommand(&out, &errOut)
		cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
}

// pluginRole is what docs/kubectl-plugin.md says the commands need, without secrets.
var pluginRole = []rbacv1.PolicyRule{
	{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{"innodbclusters"},
		Verbs: []string{"get", "list", "patch"}},
	{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{"mysqlbackups"},
		Verbs: []string{"get", "list", "create"}},
	{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{"migrationruns"},
		Verbs: []string{"get", "patch"}},
}

// testLeastPrivilege runs the commands as a user holding only pluginRole in the namespace.
func testLeastPrivilege(t *testing.T, env *envtest.Environment, k8s client.Client) {
	ctx := context.Background()
	user, err := env.AddUser(envtest.User{Name: "alice"}, nil)
	must(t, err)
	must(t, k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orca-plugin"},
		Rules: pluginRole}))
	must(t, k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "alice"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "orca-plugin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}}}))
	mr := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "run-2"}, Spec: v1.MigrationRunSpec{
		HookName: "hook", ClusterName: "mycluster", Commit: strings.Repeat("b", 40), DeliveryID: "d-2"}}
	must(t, k8s.Create(ctx, mr))
	run := runner(writeKubeconfig(t, user.Config()))
	for _, args := range [][]string{{"status", "mycluster"}, {"backups", "mycluster"}, {"connect", "mycluster"},
		{"backup", "now", "mycluster", "--storage-from", "base", "--name", "by-alice"},
		{"switchover", "mycluster", "--to", "mycluster-0"}, {"approve", "run-2"}} {
		if _, err := run(t, args...); err != nil {
			t.Errorf("%v as alice: %v", args, err)
		}
	}
	got := &v1.MigrationRun{}
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "run-2"}, got))
	if by := got.Annotations[v1.AnnotationApprovedBy]; by != "alice" {
		t.Errorf("approved-by = %q, want alice", by)
	}
	if _, err := run(t, "connect", "mycluster", "--show-password"); !apierrors.IsForbidden(errors.Unwrap(err)) {
		t.Errorf("--show-password without get on secrets: %v, want forbidden", err)
	}
}

type runFunc func(t *testing.T, args ...string) (string, error)

// writeKubeconfig writes cfg as a kubeconfig whose context defaults to namespace shop and whose user entry is
// not the identity the API server knows (so approve's recorded name shows where it came from).
func writeKubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["from-kubeconfig"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData,
		ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "from-kubeconfig", Namespace: ns}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func seed(t *testing.T, k8s client.Client) {
	t.Helper()
	ctx := context.Background()
	must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	c := testCluster()
	status := c.Status
	c.Status = v1.InnoDBClusterStatus{}
	must(t, k8s.Create(ctx, c))
	c.Status = status
	must(t, k8s.Status().Update(ctx, c))
	must(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mycluster-credentials"},
		Data: map[string][]byte{"rootUser": []byte("root"), "rootPassword": []byte("pa55-word")}}))
	base := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "base"},
		Spec: v1.MySQLBackupSpec{ClusterName: "mycluster", Storage: v1.BackupStorage{S3: v1.S3Storage{
			Bucket: "backups", Prefix: "shop", Endpoint: "http://127.0.0.1:7070", PathStyle: true,
			CredentialsSecret: "s3-creds"}}}}
	must(t, k8s.Create(ctx, base))
	base.Status = v1.MySQLBackupStatus{Phase: v1.BackupSucceeded, CompletionTime: mt(0), SizeBytes: 2048,
		GTIDSet: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77", Location: "s3://backups/shop/base"}
	must(t, k8s.Status().Update(ctx, base))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantContains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func testStatus(t *testing.T, run runFunc) {
	out, err := run(t, "status", "mycluster")
	must(t, err)
	wantContains(t, out, "shop/mycluster", "ONLINE_PARTIAL", "1 of 2 Ready", "base, completed 2026-12-01T10:00:00Z",
		"2.0 KiB", "s3://backups/shop/base", "GTID 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77", "not archived")
	wantContains(t, lineWith(t, out, "mycluster-1 "), "SECONDARY", "ONLINE", "n2", "z2", "ON")
	wantContains(t, lineWith(t, out, "MembersSpread"), "True", "MembersApart")
	if _, err := run(t, "-n", "elsewhere", "status", "mycluster"); err == nil ||
		!strings.Contains(err.Error(), "in namespace elsewhere") {
		t.Errorf("-n elsewhere: %v", err)
	}
	if _, err := run(t, "--context", "nope", "status", "mycluster"); err == nil {
		t.Error("an unknown context was accepted")
	}
}

// playOrca waits for the switchover annotation and then writes what Orca would: the new primary, or a block.
func playOrca(t *testing.T, k8s client.Client, target string, mutate func(*v1.InnoDBClusterStatus)) chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for ctx.Err() == nil {
			c := &v1.InnoDBCluster{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mycluster"}, c); err != nil {
				done <- err
				return
			}
			if c.Annotations[v1.AnnotationSwitchoverTo] == target {
				mutate(&c.Status)
				done <- k8s.Status().Update(ctx, c)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		done <- ctx.Err()
	}()
	return done
}

func testSwitchover(t *testing.T, k8s client.Client, run runFunc) {
	if _, err := run(t, "switchover", "mycluster", "--to", "mycluster-9"); err == nil ||
		!strings.Contains(err.Error(), "mycluster-9 is not a member of mycluster") {
		t.Errorf("unknown pod: %v", err)
	}
	orca := playOrca(t, k8s, "mycluster-1", func(s *v1.InnoDBClusterStatus) { s.Primary = "mycluster-1" })
	out, err := run(t, "switchover", "mycluster", "--to", "mycluster-1", "--wait", "--timeout", "60s")
	must(t, err)
	must(t, <-orca)
	wantContains(t, out, "switchover of mycluster to mycluster-1 requested", "mycluster-1 is the primary of mycluster")

	blockedMsg := "cannot switch over to mycluster-2: it is UNKNOWN, not ONLINE"
	orca = playOrca(t, k8s, "mycluster-2", func(s *v1.InnoDBClusterStatus) {
		s.Conditions = append(s.Conditions, metav1.Condition{Type: string(v1.ConditionGroupOnline),
			Status: metav1.ConditionTrue, Reason: string(v1.ReasonSwitchoverBlocked), Message: blockedMsg,
			LastTransitionTime: metav1.Now()})
	})
	_, err = run(t, "switchover", "mycluster", "--to", "mycluster-2", "--wait", "--timeout", "60s")
	must(t, <-orca)
	if !errors.Is(err, ErrSwitchoverBlocked) || !strings.Contains(err.Error(), blockedMsg) {
		t.Errorf("blocked switchover: %v", err)
	}
	c := &v1.InnoDBCluster{}
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "mycluster"}, c))
	if got := c.Annotations[v1.AnnotationSwitchoverTo]; got != "mycluster-2" {
		t.Errorf("annotation %s = %q, want mycluster-2", v1.AnnotationSwitchoverTo, got)
	}
}

func getBackup(t *testing.T, k8s client.Client, name string) *v1.MySQLBackup {
	t.Helper()
	b := &v1.MySQLBackup{}
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, b))
	return b
}

func testBackupNow(t *testing.T, k8s client.Client, run runFunc) {
	out, err := run(t, "backup", "now", "mycluster", "--storage-from", "base", "--name", "copied")
	must(t, err)
	wantContains(t, out, "MySQLBackup shop/copied created for mycluster")
	if got, want := getBackup(t, k8s, "copied").Spec, getBackup(t, k8s, "base").Spec; got.ClusterName != "mycluster" ||
		got.Storage != want.Storage {
		t.Errorf("copied backup spec %+v, want the storage of %+v", got, want)
	}
	_, err = run(t, "backup", "now", "mycluster", "--bucket", "other", "--prefix", "p", "--region", "eu-west-1",
		"--endpoint", "https://s3.example.com", "--credentials-secret", "creds", "--path-style")
	must(t, err)
	var list v1.MySQLBackupList
	must(t, k8s.List(context.Background(), &list, client.InNamespace(ns)))
	var flagged *v1.MySQLBackup
	for i := range list.Items {
		if strings.HasPrefix(list.Items[i].Name, "mycluster-") {
			flagged = &list.Items[i]
		}
	}
	want := v1.S3Storage{Bucket: "other", Prefix: "p", Region: "eu-west-1", Endpoint: "https://s3.example.com",
		CredentialsSecret: "creds", PathStyle: true}
	if flagged == nil || flagged.Spec.Storage.S3 != want {
		t.Errorf("backup from flags: %+v", flagged)
	}
	if _, err := run(t, "backup", "now", "mycluster"); !errors.Is(err, errNoStorage) {
		t.Errorf("no storage: %v", err)
	}
	if _, err := run(t, "backup", "now", "nocluster", "--storage-from", "base"); err == nil {
		t.Error("a backup of a missing cluster was created")
	}
	out, err = run(t, "backups", "mycluster")
	must(t, err)
	wantContains(t, lineWith(t, out, "base "), "Succeeded", "2026-12-01T10:00:00Z", "2.0 KiB", ":1-77",
		"s3://backups/shop/base")
	wantContains(t, out, "copied ", flagged.Name)
	testRestore(t, k8s, run)
}

// restore creates a new cluster from the source's spec with spec.initDB naming the backup, never over an
// existing cluster.
func testRestore(t *testing.T, k8s client.Client, run runFunc) {
	out, err := run(t, "restore", "restored", "base", "--instances", "5")
	must(t, err)
	wantContains(t, out, "InnoDBCluster shop/restored created from backup base", "restored-0")
	var c, src v1.InnoDBCluster
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "restored"}, &c))
	must(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "mycluster"}, &src))
	if c.Spec.InitDB == nil || c.Spec.InitDB.Dump == nil || c.Spec.InitDB.Dump.BackupName != "base" ||
		c.Spec.Instances != 5 || c.Spec.Version != src.Spec.Version || c.Spec.SecretName != "" ||
		len(c.Spec.BackupSchedules) != 0 {
		t.Errorf("restored cluster spec %+v", c.Spec)
	}
	if _, err := run(t, "restore", "mycluster", "base"); !errors.Is(err, ErrRestoreRefused) {
		t.Errorf("restore over an existing cluster: %v, want refused", err)
	}
	if _, err := run(t, "restore", "other", "nosuchbackup"); err == nil {
		t.Error("restore of a missing backup created a cluster")
	}
}

func testApprove(t *testing.T, k8s client.Client, run runFunc) {
	ctx := context.Background()
	mr := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "run-1"}, Spec: v1.MigrationRunSpec{
		HookName: "hook", ClusterName: "mycluster", Commit: strings.Repeat("a", 40), DeliveryID: "d-1"}}
	must(t, k8s.Create(ctx, mr))
	mr.Status.Phase = v1.MigrationAwaitingApproval
	must(t, k8s.Status().Update(ctx, mr))
	out, err := run(t, "approve", "run-1")
	must(t, err)
	got := &v1.MigrationRun{}
	must(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "run-1"}, got))
	// envtest's admin certificate is user "admin"; the kubeconfig's entry name must not be what is recorded.
	if by := got.Annotations[v1.AnnotationApprovedBy]; by != "admin" {
		t.Errorf("approved-by = %q, want the API server's name for us, admin", by)
	}
	wantContains(t, out, "MigrationRun run-1 approved by admin")
	if _, err := run(t, "approve", "run-1"); err == nil || !strings.Contains(err.Error(), "already approved by admin") {
		t.Errorf("second approval: %v", err)
	}
}

func testConnect(t *testing.T, run runFunc) {
	out, err := run(t, "connect", "mycluster")
	must(t, err)
	wantContains(t, out, "mysql://root@mycluster.shop.svc:3306", "mysqlx://root@mycluster.shop.svc:6448",
		"mysqlx+srv://root@_mysqlx._tcp.mycluster.shop.mysql.orca.internal", "Secret shop/mycluster-credentials")
	if strings.Contains(out, "pa55-word") {
		t.Errorf("the password was printed without --show-password:\n%s", out)
	}
	out, err = run(t, "connect", "mycluster", "--show-password", "--zone", "db.example")
	must(t, err)
	wantContains(t, out, "Password: pa55-word", "_mysqlx._tcp.mycluster.shop.db.example")
}
