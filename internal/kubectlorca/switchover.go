package kubectlorca

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ErrSwitchoverBlocked is returned by `switchover --wait` when Orca reports it cannot move the primary.
var ErrSwitchoverBlocked = errors.New("switchover blocked")

type switchoverFlags struct {
	to      string
	wait    bool
	timeout time.Duration
	poll    time.Duration
}

func newSwitchoverCommand(o *Options) *cobra.Command {
	f := &switchoverFlags{poll: time.Second}
	cmd := &cobra.Command{
		Use:   "switchover CLUSTER --to POD",
		Short: "Ask Orca to make a member the primary (annotation " + v1.AnnotationSwitchoverTo + ")",
		Long: "switchover sets the annotation " + v1.AnnotationSwitchoverTo + " on the cluster; Orca moves the\n" +
			"primary when the member is ONLINE and removes the annotation once it is the primary. With --wait it\n" +
			"waits until the status names the new primary, or fails with Orca's SwitchoverBlocked message.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeClusters(o),
		RunE: o.withCluster(func(ctx context.Context, s *session, c *v1.InnoDBCluster) error {
			return runSwitchover(ctx, o, s, c, f)
		}),
	}
	cmd.Flags().StringVar(&f.to, "to", "", "the member pod to make the primary (required)")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait for the new primary in the status, or a block")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func runSwitchover(ctx context.Context, o *Options, s *session, c *v1.InnoDBCluster, f *switchoverFlags) error {
	name := c.Name
	if err := checkSwitchoverTarget(c, f.to); err != nil {
		return err
	}
	if c.Status.Primary == f.to {
		fmt.Fprintf(o.Out, "%s is already the primary of %s\n", f.to, name)
		return nil
	}
	patch := client.MergeFrom(c.DeepCopy())
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[v1.AnnotationSwitchoverTo] = f.to
	if err := s.c.Patch(ctx, c, patch); err != nil {
		return fmt.Errorf("annotate InnoDBCluster %s: %w", name, err)
	}
	fmt.Fprintf(o.Out, "switchover of %s to %s requested (%s=%s)\n", name, f.to, v1.AnnotationSwitchoverTo, f.to)
	if !f.wait {
		return nil
	}
	return waitSwitchover(ctx, o, s, name, f)
}

// checkSwitchoverTarget refuses a pod that is not a member in the cluster's status.
func checkSwitchoverTarget(c *v1.InnoDBCluster, pod string) error {
	pods := make([]string, 0, len(c.Status.Members))
	for _, m := range c.Status.Members {
		pods = append(pods, m.Pod)
	}
	if slices.Contains(pods, pod) {
		return nil
	}
	if len(pods) == 0 {
		return fmt.Errorf("%s is not a member of %s: the status lists no members yet", pod, c.Name)
	}
	return fmt.Errorf("%s is not a member of %s: its members are %s", pod, c.Name, strings.Join(pods, ", "))
}

// switchoverOutcome reads the status: done when target is the primary, blocked (with Orca's message) when a
// condition says SwitchoverBlocked about target. A blocked condition about another pod is an older request's.
func switchoverOutcome(c *v1.InnoDBCluster, target string) (done bool, blocked string) {
	if c.Status.Primary == target {
		return true, ""
	}
	for _, cond := range c.Status.Conditions {
		if cond.Reason == string(v1.ReasonSwitchoverBlocked) && mentionsPod(cond.Message, target) {
			return false, cond.Message
		}
	}
	return false, ""
}

// mentionsPod says whether msg names pod as a word ("mycluster-1" is not in "mycluster-10").
func mentionsPod(msg, pod string) bool {
	for _, w := range strings.FieldsFunc(msg, func(r rune) bool { return r == ' ' || r == ':' || r == ',' }) {
		if w == pod {
			return true
		}
	}
	return false
}

func waitSwitchover(ctx context.Context, o *Options, s *session, name string, f *switchoverFlags) error {
	var blocked string
	err := wait.PollUntilContextTimeout(ctx, f.poll, f.timeout, true, func(ctx context.Context) (bool, error) {
		c, err := s.getCluster(ctx, name)
		if err != nil {
			return false, err
		}
		done, msg := switchoverOutcome(c, f.to)
		blocked = msg
		return done || msg != "", nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("wait for %s to become the primary of %s: %w", f.to, name, err)
	case blocked != "":
		return fmt.Errorf("%w: %s", ErrSwitchoverBlocked, blocked)
	}
	fmt.Fprintf(o.Out, "%s is the primary of %s\n", f.to, name)
	return nil
}
