package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/migrate"
)

// migrateFlags are `orca migrate`'s flags; the connection comes from MYSQL_* variables (MYSQL_PASSWORD from a
// Secret), the clone's credentials from ORCA_GIT_USERNAME and ORCA_GIT_PASSWORD.
type migrateFlags struct {
	repository, commit, path, workDir string
	leaseNamespace, leaseName, holder string
	run, resultFile, lintPolicy       string
	leaseDuration, timeout            time.Duration
}

func newMigrateCommand() *cobra.Command {
	var mf migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply a repository's V<version>__<name>.sql migrations at one commit (the migration Pod's runner)",
		RunE:  func(cmd *cobra.Command, _ []string) error { return mf.execute(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&mf.repository, "repository", "", "git URL to clone (https://, http://, git://, file://)")
	f.StringVar(&mf.commit, "commit", os.Getenv("ORCA_COMMIT"), "full SHA to check out")
	f.StringVar(&mf.path, "path", "migrations", "folder of the repository with the migrations")
	f.StringVar(&mf.workDir, "work-dir", "/work/src", "empty folder to clone into")
	f.StringVar(&mf.leaseNamespace, "lease-namespace", os.Getenv("POD_NAMESPACE"), "namespace of the lock's Lease")
	f.StringVar(&mf.leaseName, "lease-name", "", "the lock's Lease (one per cluster)")
	f.StringVar(&mf.holder, "holder", os.Getenv("POD_NAME"), "identity in the Lease: the pod's name")
	f.StringVar(&mf.run, "run", "", "MigrationRun recorded in the history table")
	f.StringVar(&mf.lintPolicy, "lint-policy", "warn", "warn, or block: refuse a run with lint errors")
	f.StringVar(&mf.resultFile, "result-file", "/dev/termination-log", "where the JSON result is written too")
	f.DurationVar(&mf.leaseDuration, "lease-duration", migrate.DefaultLeaseDuration, "the Lease's duration")
	f.DurationVar(&mf.timeout, "timeout", time.Hour, "the whole run's limit")
	for _, name := range []string{"repository", "commit", "lease-name"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (mf migrateFlags) execute(ctx context.Context) error {
	log := zap.New()
	ctx, cancel := context.WithTimeout(ctx, mf.timeout)
	defer cancel()
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		return err
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	dsn, err := mysqlDSNFromEnv(os.Getenv(envDevServiceMap))
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return fmt.Errorf("open the database: %w", err)
	}
	defer func() { _ = db.Close() }()
	res, err := migrate.Run(ctx, migrate.Config{
		Source: migrate.Source{URL: mf.repository, Commit: mf.commit, Username: os.Getenv("ORCA_GIT_USERNAME"),
			Password: os.Getenv("ORCA_GIT_PASSWORD")},
		Path: mf.path, WorkDir: mf.workDir, DB: db, Run: mf.run, Log: log, LintPolicy: mf.lintPolicy,
		Lease: &migrate.Lease{Client: k8s, Namespace: mf.leaseNamespace, Name: mf.leaseName, Holder: mf.holder,
			Duration: mf.leaseDuration},
	})
	mf.report(res, err)
	return err
}

// report prints the result as JSON and writes it to the result file (the container's termination message,
// which the controller copies into the run's status).
func (mf migrateFlags) report(res migrate.Result, err error) {
	raw := migrate.NewReport(res, err).Encode()
	fmt.Println(string(raw))
	if mf.resultFile != "" {
		_ = os.WriteFile(mf.resultFile, raw, 0o644)
	}
}

// envDevServiceMap is the development map of Service addresses to loopback ones the pod runner gives (never in
// a real pod): the simulated cluster has no DNS and no ClusterIPs.
const envDevServiceMap = "ORCA_DEV_SERVICE_MAP"

// devServicesNet is go-sql-driver's network that dials Services through the development map.
const devServicesNet = "orca-dev-services"

// Environment of the migration Pod's TLS (set by the operator for every runner, the built-in one reads them):
// the members' trust bundle and, for a certificate that does not name the Service, the name to check instead.
const (
	envMySQLSSLCA         = "MYSQL_SSL_CA"
	envMySQLTLSServerName = "MYSQL_TLS_SERVER_NAME"
	// membersTLS is go-sql-driver's registered TLS configuration that verifies the members.
	membersTLS = "orca-members"
)

// mysqlDSNFromEnv builds the DSN from MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD and MYSQL_DATABASE;
// with a development service map, MYSQL_HOST:MYSQL_PORT is dialled through it. With MYSQL_SSL_CA the connection
// is encrypted and the certificate verified with that bundle for MYSQL_HOST (or MYSQL_TLS_SERVER_NAME).
func mysqlDSNFromEnv(serviceMap string) (string, error) {
	c := mysql.NewConfig()
	c.Net = "tcp"
	if serviceMap != "" {
		services := memberdial.NewLoopbackFile(serviceMap)
		mysql.RegisterDialContext(devServicesNet, func(ctx context.Context, addr string) (net.Conn, error) {
			return services.DialContext(ctx, "tcp", addr)
		})
		c.Net = devServicesNet
	}
	c.Addr = net.JoinHostPort(envOr("MYSQL_HOST", "127.0.0.1"), envOr("MYSQL_PORT", "3306"))
	c.User, c.Passwd, c.DBName = os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_DATABASE")
	c.ParseTime = true
	if ca := os.Getenv(envMySQLSSLCA); ca != "" {
		t, err := trustConfig(ca, os.Getenv(envMySQLTLSServerName))
		if err != nil {
			return "", fmt.Errorf("%s: %w", envMySQLSSLCA, err)
		}
		if err := mysql.RegisterTLSConfig(membersTLS, t); err != nil {
			return "", fmt.Errorf("register the members' TLS configuration: %w", err)
		}
		c.TLSConfig = membersTLS
	}
	return c.FormatDSN(), nil
}
