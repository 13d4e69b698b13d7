package kubectlorca

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ErrRestoreRefused is returned when restore cannot create the cluster: it exists, or the backup failed.
var ErrRestoreRefused = errors.New("restore refused")

type restoreFlags struct {
	instances int32
	version   string
}

func newRestoreCommand(o *Options) *cobra.Command {
	f := &restoreFlags{}
	cmd := &cobra.Command{
		Use:   "restore NEW-CLUSTER BACKUP",
		Short: "Create a new cluster restored from a MySQLBackup (spec.initDB.dump)",
		Long: "restore creates the InnoDBCluster NEW-CLUSTER with spec.initDB.dump.backupName BACKUP: Orca restores\n" +
			"the backup into its first member before the group is bootstrapped, then the other members join. The\n" +
			"spec is copied from the backup's cluster when it still exists (its own credentials excepted), with\n" +
			"--instances and --version overriding. It never restores into an existing cluster.",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: completeClusters(o),
		RunE: o.withSession(func(ctx context.Context, s *session, args []string) error {
			return runRestore(ctx, o, s, args[0], args[1], f)
		}),
	}
	cmd.Flags().Int32Var(&f.instances, "instances", 0, "members of the new cluster (default: the source's, or 3)")
	cmd.Flags().StringVar(&f.version, "version", "", "MySQL version (default: the source's; use the same)")
	return cmd
}

func runRestore(ctx context.Context, o *Options, s *session, name, backupName string, f *restoreFlags) error {
	var b v1.MySQLBackup
	if err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: backupName}, &b); err != nil {
		return fmt.Errorf("get backup %s: %w", backupName, err)
	}
	if b.Status.Phase == v1.BackupFailed {
		return fmt.Errorf("%w: MySQLBackup %s failed and can never be restored", ErrRestoreRefused, backupName)
	}
	var src v1.InnoDBCluster
	err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: b.Spec.ClusterName}, &src)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("get cluster %s: %w", b.Spec.ClusterName, err)
	}
	c := restoredCluster(s.namespace, name, backupName, &src.Spec, f)
	if err := s.c.Create(ctx, c); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%w: cluster %s exists; restore creates a new cluster", ErrRestoreRefused, name)
		}
		return fmt.Errorf("create cluster %s: %w", name, err)
	}
	fmt.Fprintf(o.Out, "InnoDBCluster %s/%s created from backup %s (phase %s); Orca restores it into %s-0 "+
		"before the group is bootstrapped: watch `kubectl orca status %s`\n", s.namespace, name, backupName,
		orDash(string(b.Status.Phase)), name, name)
	return nil
}

// restoredCluster is the new cluster: the source's spec when it exists, without its credentials Secret and its
// backup schedules (their retention would manage the source's backups in the same bucket), and spec.initDB
// naming the backup.
func restoredCluster(namespace, name, backup string, src *v1.InnoDBClusterSpec, f *restoreFlags) *v1.InnoDBCluster {
	spec := *src.DeepCopy()
	spec.SecretName, spec.BackupSchedules = "", nil
	spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: backup}}
	if f.instances > 0 {
		spec.Instances = f.instances
	}
	if f.version != "" {
		spec.Version = f.version
	}
	return &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Spec: spec}
}
