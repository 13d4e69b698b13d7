package v1alpha1

import "time"

// DefaultMaxArchiverDowntime is spec.backup.pitr.maxArchiverDowntime's default.
const DefaultMaxArchiverDowntime = time.Hour

// PITREnabled reports whether the binary log archiver runs.
func (c *InnoDBCluster) PITREnabled() bool {
	return c.Spec.Backup != nil && c.Spec.Backup.PITR != nil && c.Spec.Backup.PITR.Enabled
}

// MaxArchiverDowntimeOrDefault is the tolerated archiver outage (default one hour).
func (p *PITRSpec) MaxArchiverDowntimeOrDefault() time.Duration {
	if p == nil || p.MaxArchiverDowntime == nil || p.MaxArchiverDowntime.Duration <= 0 {
		return DefaultMaxArchiverDowntime
	}
	return p.MaxArchiverDowntime.Duration
}
