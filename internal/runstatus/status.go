// Package runstatus is the one place MigrationRun status is written: each writer passes a small mutation that is
// re-applied to a fresh read on conflict, and a write that changes nothing is skipped.
package runstatus

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Mutation changes a run's status in place; it is called once per attempt on a freshly read run.
type Mutation func(run *v1.MigrationRun, status *v1.MigrationRunStatus)

// Update applies the mutations and writes the status subresource, retrying on conflicts. It reports whether
// anything was written.
func Update(ctx context.Context, c client.Client, key types.NamespacedName, mutations ...Mutation) (bool, error) {
	written := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var run v1.MigrationRun
		if err := c.Get(ctx, key, &run); err != nil {
			return err
		}
		before := run.Status.DeepCopy()
		for _, m := range mutations {
			m(&run, &run.Status)
		}
		if equality.Semantic.DeepEqual(before, &run.Status) {
			return nil
		}
		if err := c.Status().Update(ctx, &run); err != nil {
			return err
		}
		written = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("update status of migration run %s: %w", key, err)
	}
	return written, nil
}
