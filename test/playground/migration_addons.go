package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/gitsample"
)

// The migration sample's wiring in the playground (docs/migrations.md): the receiver on 127.0.0.1:8082, the
// sample repository served by git daemon on 127.0.0.1:9418, the account and the hook default/shop.
const (
	playgroundHooks   = "127.0.0.1:8082"
	playgroundGitPort = 9418
	sampleHook        = "shop"
	sampleSchema      = "shop"
	sampleUser        = "migrator"
)

// migrationAddon wires the tree's migration sample (config/samples/migrations) to the first sample cluster with
// a router, as a user wires a GitHub repository: a repository (built from the folder, served by git daemon), the
// schema and an account for the migrations (created through the router), the webhook Secret and the
// MigrationHook. It prints the curl that sends the push GitHub would send, signed with the Secret: the receiver
// stores a MigrationRun and the migration Pod (`orca migrate`, run by the pod runner) creates the tables.
type migrationAddon struct{}

func (migrationAddon) Name() string { return "migrations" }

func (migrationAddon) Up(ctx context.Context, env *Env) error {
	samples, err := loadSamples(env.WorkDir)
	if err != nil {
		return err
	}
	c := firstRouted(samples)
	if c == nil {
		return nil
	}
	repo, err := serveSampleRepo(env)
	if err != nil {
		return err
	}
	secret, err := wireHook(ctx, env, c)
	if err != nil {
		return err
	}
	d, err := gitsample.GitHubPush("http://"+playgroundHooks+"/hooks/"+c.Namespace+"/"+sampleHook,
		string(uuid.NewUUID()), secret, "playground", repo)
	if err != nil {
		return err
	}
	body := filepath.Join(env.StateDir, "push.json")
	if err := os.WriteFile(body, d.Body, 0o644); err != nil {
		return fmt.Errorf("write the push: %w", err)
	}
	accountErr := createAccount(ctx, env, c)
	for _, line := range migrationNotes(c, d, body, accountErr) {
		env.Note("%s", line)
	}
	return nil
}

// serveSampleRepo builds the sample into StateDir/git/shop and serves StateDir/git with git daemon.
func serveSampleRepo(env *Env) (*gitsample.Repo, error) {
	dir, err := env.Dir("git")
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(dir, "shop")); err != nil {
		return nil, fmt.Errorf("clear the sample repository: %w", err)
	}
	repo, err := gitsample.Build(filepath.Join(env.WorkDir, "config", "samples", "migrations"),
		filepath.Join(dir, "shop"))
	if err != nil {
		return nil, err
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("git serves the sample repository (hack/peers.sh installs it): %w", err)
	}
	p, err := env.Start(controlplane.ProcessSpec{Name: "git-daemon", Path: git,
		Args: gitsample.DaemonArgs(dir, playgroundGitPort)})
	if err != nil {
		return nil, err
	}
	select {
	case <-p.Done():
		return nil, fmt.Errorf("git daemon exited at once (port %d taken?): %w\n%s", playgroundGitPort, p.ExitErr(),
			p.LogTail(10))
	case <-time.After(500 * time.Millisecond):
	}
	return repo, nil
}

// sampleRepoURL is where the migration Pod clones the sample from.
func sampleRepoURL() string { return "git://127.0.0.1:" + strconv.Itoa(playgroundGitPort) + "/shop" }

// wireHook creates the webhook Secret (a new random secret), the account's Secret and the MigrationHook, and
// returns the webhook secret. Objects left by an earlier `up` of the same state are replaced.
func wireHook(ctx context.Context, env *Env, c *v1.InnoDBCluster) (string, error) {
	scheme, err := operator.NewScheme()
	if err != nil {
		return "", err
	}
	k8s, err := client.New(env.ControlPlane.Config, client.Options{Scheme: scheme})
	if err != nil {
		return "", fmt.Errorf("client: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("make the webhook secret: %w", err)
	}
	secret := hex.EncodeToString(raw)
	ns := c.Namespace
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-webhook"},
			StringData: map[string]string{"secret": secret}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-migrator"},
			StringData: map[string]string{"user": sampleUser, "password": sampleUser + "-" + secret[:12]}},
		&v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sampleHook},
			Spec: v1.MigrationHookSpec{ClusterName: c.Name, Provider: v1.ProviderGitHub,
				SecretRef: v1.HookSecretRef{Name: "shop-webhook"},
				Filters:   v1.HookFilters{Refs: []string{"refs/heads/main"}, Paths: []string{"migrations/**"}},
				Source:    v1.MigrationSource{URL: sampleRepoURL(), Path: gitsample.Folder},
				Database:  v1.MigrationDatabase{SecretName: "shop-migrator", Name: sampleSchema}}},
	}
	for _, o := range objs {
		if err := k8s.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return "", fmt.Errorf("replace %s: %w", o.GetName(), err)
		}
		if err := k8s.Create(ctx, o); err != nil {
			return "", fmt.Errorf("create %s: %w", o.GetName(), err)
		}
	}
	return secret, nil
}

// createAccount creates the schema and the migrations' account through the router's read-write port, as root,
// once the router answers (the router addon waited for it already).
func createAccount(ctx context.Context, env *Env, c *v1.InnoDBCluster) error {
	var sec corev1.Secret
	if err := env.ControlPlane.Client.Get(ctx, client.ObjectKey{Namespace: c.Namespace,
		Name: specs.CredentialsSecretName(c)}, &sec); err != nil {
		return fmt.Errorf("read the root password: %w", err)
	}
	var acct corev1.Secret
	if err := env.ControlPlane.Client.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: "shop-migrator"},
		&acct); err != nil {
		return fmt.Errorf("read the migrator's password: %w", err)
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net = "root", string(sec.Data[specs.KeyRootPassword]), "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(specs.PortRouterRW))
	cfg.Timeout, cfg.ReadTimeout = 5*time.Second, 10*time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer func() { _ = db.Close() }()
	for _, stmt := range accountStatements(string(acct.Data["password"])) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt[:min(len(stmt), 40)], err)
		}
	}
	return nil
}

// accountStatements create the sample's schema and an account with every privilege on it, again on a second up.
func accountStatements(password string) []string {
	user := "'" + sampleUser + "'@'%'"
	return []string{"CREATE DATABASE IF NOT EXISTS " + sampleSchema,
		"CREATE USER IF NOT EXISTS " + user + " IDENTIFIED BY '" + password + "'",
		"ALTER USER " + user + " IDENTIFIED BY '" + password + "'",
		"GRANT ALL ON " + sampleSchema + ".* TO " + user}
}

// migrationNotes are the lines `up` prints about the migration sample: the curl, and how to watch and check.
func migrationNotes(c *v1.InnoDBCluster, d gitsample.Delivery, body string, accountErr error) []string {
	lines := []string{fmt.Sprintf("migrations: MigrationHook %s/%s (receiver http://%s) migrates %s from the "+
		"sample repository %s (config/samples/migrations); send the push GitHub would send, signed:",
		c.Namespace, sampleHook, playgroundHooks, c.Name, sampleRepoURL()),
		"  " + d.Curl(body),
		"  (202: the MigrationRun is stored; again: 200, the same delivery id runs nothing)",
		"  kubectl get migrationruns -w   then: mariadb -h 127.0.0.1 -P 6446 -u " + sampleUser +
			" -p\"$(kubectl get secret shop-migrator -o jsonpath='{.data.password}' | base64 -d)\" " + sampleSchema +
			" -e 'SHOW TABLES'"}
	if accountErr != nil {
		lines = append(lines, fmt.Sprintf("  the schema and account are not created yet (%v): as root through the "+
			"router, run: %v", accountErr, accountStatements("<the password in Secret shop-migrator>")))
	}
	return lines
}
