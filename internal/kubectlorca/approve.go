package kubectlorca

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	authnv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func newApproveCommand(o *Options) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "approve MIGRATIONRUN",
		Short: "Approve a MigrationRun that waits for approval (annotation " + v1.AnnotationApprovedBy + ")",
		Long: "approve sets the annotation " + v1.AnnotationApprovedBy + " on the run; Orca copies it to\n" +
			"status.approvedBy and starts the run. The approver is who the API server says you are (a\n" +
			"SelfSubjectReview), else the kubeconfig's user, unless --as-name is given.",
		Args: cobra.ExactArgs(1),
		RunE: o.withSession(func(ctx context.Context, s *session, args []string) error {
			return runApprove(ctx, o, s, args[0], as)
		}),
	}
	cmd.Flags().StringVar(&as, "as-name", "", "record this name as the approver instead of your identity")
	return cmd
}

func runApprove(ctx context.Context, o *Options, s *session, name, as string) error {
	run := &v1.MigrationRun{}
	if err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: name}, run); err != nil {
		return fmt.Errorf("get MigrationRun %s in namespace %s: %w", name, s.namespace, err)
	}
	if err := checkApprovable(run); err != nil {
		return err
	}
	if as == "" {
		as = s.whoAmI(ctx)
	}
	patch := client.MergeFrom(run.DeepCopy())
	if run.Annotations == nil {
		run.Annotations = map[string]string{}
	}
	run.Annotations[v1.AnnotationApprovedBy] = as
	if err := s.c.Patch(ctx, run, patch); err != nil {
		return fmt.Errorf("annotate MigrationRun %s: %w", name, err)
	}
	fmt.Fprintf(o.Out, "MigrationRun %s approved by %s\n", name, as)
	return nil
}

// checkApprovable refuses a run that is approved already or has ended.
func checkApprovable(run *v1.MigrationRun) error {
	if by := run.Annotations[v1.AnnotationApprovedBy]; by != "" {
		return fmt.Errorf("MigrationRun %s is already approved by %s", run.Name, by)
	}
	if by := run.Status.ApprovedBy; by != "" {
		return fmt.Errorf("MigrationRun %s is already approved by %s", run.Name, by)
	}
	switch {
	case run.Status.Phase == v1.MigrationSucceeded, run.Status.Phase == v1.MigrationFailed:
		return fmt.Errorf("MigrationRun %s has ended (%s): there is nothing to approve", run.Name, run.Status.Phase)
	case run.Status.Phase == v1.MigrationBlocked && run.Status.CompletionTime != nil:
		return fmt.Errorf("MigrationRun %s has ended (Blocked for good, %s): push a fix for a new run", run.Name,
			run.Status.Reason)
	}
	return nil
}

// whoAmI asks the API server who the credentials belong to, and falls back to the kubeconfig's user name.
func (s *session) whoAmI(ctx context.Context) string {
	review := &authnv1.SelfSubjectReview{}
	if err := s.c.Create(ctx, review); err == nil && review.Status.UserInfo.Username != "" {
		return review.Status.UserInfo.Username
	}
	if s.user != "" {
		return s.user
	}
	return "kubectl-orca"
}
