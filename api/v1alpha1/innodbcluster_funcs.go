package v1alpha1

import "fmt"

// MySQLImage is the server image: Spec.Image, or mysql:<version>.
func (c *InnoDBCluster) MySQLImage() string {
	if c.Spec.Image != "" {
		return c.Spec.Image
	}
	v := c.Spec.Version
	if v == "" {
		v = DefaultVersion
	}
	return fmt.Sprintf("%s:%s", defaultImageRepo, v)
}

// GracePeriodSeconds is how long mysqld gets to stop cleanly.
func (c *InnoDBCluster) GracePeriodSeconds() int64 {
	if p := c.Spec.PodSpec; p != nil && p.TerminationGracePeriodSeconds != nil {
		return *p.TerminationGracePeriodSeconds
	}
	return defaultGracePeriod
}

// RouterInstances is the number of router pods asked for: 0 without a router object, spec.router.instances
// (DefaultRouterInstances when unset) with one.
func (c *InnoDBCluster) RouterInstances() int32 {
	r := c.Spec.Router
	switch {
	case r == nil:
		return 0
	case r.Instances == nil:
		return DefaultRouterInstances
	default:
		return *r.Instances
	}
}

// RouterEnabled reports whether the cluster runs routers: a router object with instances above 0.
func (c *InnoDBCluster) RouterEnabled() bool { return c.RouterInstances() > 0 }

// RestoresInitDB reports whether spec.initDB restores a dump into the first member of a group that was never
// bootstrapped (before the restore completed and after): that member's purged transactions are the backup's.
func (c *InnoDBCluster) RestoresInitDB() bool {
	return c.Spec.InitDB != nil && c.Spec.InitDB.Dump != nil && !c.Status.Bootstrapped
}

// RestorePending reports whether spec.initDB asks for a restore that has not completed on a cluster whose group
// was never bootstrapped: until it completes, the group must not be bootstrapped.
func (c *InnoDBCluster) RestorePending() bool {
	if c.Spec.InitDB == nil || c.Spec.InitDB.Dump == nil || c.Status.Bootstrapped {
		return false
	}
	return c.Status.InitDB == nil || c.Status.InitDB.Phase != InitDBCompleted
}
