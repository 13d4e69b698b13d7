package controllers

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// applyArchiver applies the binary log archiver's Deployment while spec.backup.pitr is enabled and deletes it
// once it is not. The archive in the store stays: a restore may still need it.
func (r *InnoDBClusterReconciler) applyArchiver(ctx context.Context, c *v1.InnoDBCluster) error {
	if !c.PITREnabled() {
		return r.deleteOwned(ctx, c, specs.ArchiverName(c), &appsv1.Deployment{})
	}
	hosts := make([]string, 0, c.Spec.Instances)
	for i := range int(c.Spec.Instances) {
		hosts = append(hosts, specs.MemberHost(c, i, r.ClusterZone))
	}
	trust, err := clientTrust(ctx, r.APIReader, c, hosts...)
	if err != nil {
		return err
	}
	return r.apply(ctx, c, specs.ArchiverDeployment(c, specs.ArchiverOptions{OrcaImage: r.OrcaImage,
		ClusterZone: r.ClusterZone, TLSServerName: trust.ServerName}))
}
