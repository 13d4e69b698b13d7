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
