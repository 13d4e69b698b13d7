package kubectlorca

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

type backupFlags struct {
	name        string
	storageFrom string
	s3          v1.S3Storage
}

func newBackupCommand(o *Options) *cobra.Command {
	backup := &cobra.Command{
		Use:   "backup",
		Short: "Take backups (see also `kubectl orca backups`)",
	}
	f := &backupFlags{}
	now := &cobra.Command{
		Use:   "now CLUSTER (--storage-from BACKUP | --bucket B --credentials-secret S [flags])",
		Short: "Create a MySQLBackup of the cluster now",
		Long: "backup now creates a MySQLBackup; Orca runs it against the freshest ONLINE secondary. The storage\n" +
			"is copied from an existing MySQLBackup (--storage-from) or given with the S3 flags.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeClusters(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withCluster(func(ctx context.Context, s *session, c *v1.InnoDBCluster) error {
				return runBackupNow(ctx, o, s, c.Name, f, cmd.Flags())
			})(cmd, args)
		},
	}
	fs := now.Flags()
	fs.StringVar(&f.name, "name", "", "the MySQLBackup's name (default <cluster>-<UTC time>)")
	fs.StringVar(&f.storageFrom, "storage-from", "", "copy the storage of this MySQLBackup")
	fs.StringVar(&f.s3.Bucket, "bucket", "", "the S3 bucket")
	fs.StringVar(&f.s3.Prefix, "prefix", "", "the key prefix; the backup lives under <prefix>/<name>/")
	fs.StringVar(&f.s3.Endpoint, "endpoint", "", "the S3-compatible server's URL (empty for AWS)")
	fs.StringVar(&f.s3.Region, "region", "", "the bucket's region (default us-east-1)")
	fs.StringVar(&f.s3.CredentialsSecret, "credentials-secret", "",
		"the Secret with keys "+v1.KeyS3AccessKeyID+" and "+v1.KeyS3SecretAccessKey)
	fs.BoolVar(&f.s3.PathStyle, "path-style", false, "address the bucket as <endpoint>/<bucket>/<key>")
	now.MarkFlagsMutuallyExclusive("storage-from", "bucket")
	now.MarkFlagsMutuallyExclusive("storage-from", "credentials-secret")
	backup.AddCommand(now)
	return backup
}

// errNoStorage says what backup now needs when neither --storage-from nor the S3 flags are given.
var errNoStorage = errors.New("say where the backup goes: --storage-from <MySQLBackup>, or --bucket and " +
	"--credentials-secret (with --prefix, --endpoint, --region, --path-style as needed)")

// newBackup builds the MySQLBackup that backup now creates.
func newBackup(namespace, name, cluster string, storage v1.BackupStorage) *v1.MySQLBackup {
	return &v1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       v1.MySQLBackupSpec{ClusterName: cluster, Storage: storage},
	}
}

// backupName is <cluster>-<UTC time to the second>, unique enough for a command typed by hand.
func backupName(cluster string, now time.Time) string {
	return cluster + "-" + now.UTC().Format("20060102-150405")
}

// flagStorage takes the storage from the S3 flags, or from the backup --storage-from names.
func (f *backupFlags) storage(ctx context.Context, s *session, fs *pflag.FlagSet) (v1.BackupStorage, error) {
	if f.storageFrom != "" {
		if overridden := storageFlagsSet(fs); len(overridden) > 0 {
			return v1.BackupStorage{}, fmt.Errorf("--storage-from copies the whole storage; drop %v", overridden)
		}
		from := &v1.MySQLBackup{}
		if err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: f.storageFrom}, from); err != nil {
			return v1.BackupStorage{}, fmt.Errorf("read the storage of MySQLBackup %s: %w", f.storageFrom, err)
		}
		return from.Spec.Storage, nil
	}
	if f.s3.Bucket == "" || f.s3.CredentialsSecret == "" {
		return v1.BackupStorage{}, errNoStorage
	}
	return v1.BackupStorage{S3: f.s3}, nil
}

func storageFlagsSet(fs *pflag.FlagSet) []string {
	var set []string
	for _, n := range []string{"prefix", "endpoint", "region", "path-style"} {
		if fs.Changed(n) {
			set = append(set, "--"+n)
		}
	}
	return set
}

func runBackupNow(ctx context.Context, o *Options, s *session, cluster string, f *backupFlags,
	fs *pflag.FlagSet) error {
	storage, err := f.storage(ctx, s, fs)
	if err != nil {
		return err
	}
	name := f.name
	if name == "" {
		name = backupName(cluster, time.Now())
	}
	b := newBackup(s.namespace, name, cluster, storage)
	if err := s.c.Create(ctx, b); err != nil {
		return fmt.Errorf("create MySQLBackup %s: %w", name, err)
	}
	fmt.Fprintf(o.Out, "MySQLBackup %s/%s created for %s; follow it with `kubectl orca backups %s`\n",
		s.namespace, name, cluster, cluster)
	return nil
}

func newBackupsCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:               "backups CLUSTER",
		Short:             "List a cluster's MySQLBackups, newest first",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeClusters(o),
		RunE: o.withSession(func(ctx context.Context, s *session, args []string) error {
			backups, err := s.clusterBackups(ctx, args[0])
			if err != nil {
				return err
			}
			sortBackups(backups)
			return writeBackups(o.Out, backups)
		}),
	}
}
