package v1alpha1

// Defaults mirrored from the CRD markers, so code that builds objects from a cluster read without the API
// server's defaulting (unit tests, old objects) sees the same values.
const (
	DefaultInstances    int32 = 3
	DefaultVersion            = "8.4.3"
	DefaultBaseServerID int64 = 1000
	DefaultStorage            = "2Gi"
	// DefaultRouterInstances is spec.router.instances when the router object is present without it.
	DefaultRouterInstances int32 = 2
	defaultImageRepo             = "mysql"
	defaultPullPolicy            = "IfNotPresent"
	defaultServiceType           = "ClusterIP"
	defaultRetention             = RetentionRetain
	defaultGracePeriod     int64 = 60
)

// SetDefaults fills every unset field that has a CRD default. It is idempotent.
func (c *InnoDBCluster) SetDefaults() {
	s := &c.Spec
	if s.Instances == 0 {
		s.Instances = DefaultInstances
	}
	if s.Version == "" {
		s.Version = DefaultVersion
	}
	if s.BaseServerID == 0 {
		s.BaseServerID = DefaultBaseServerID
	}
	if s.ImagePullPolicy == "" {
		s.ImagePullPolicy = defaultPullPolicy
	}
	if s.DatadirVolumeClaimTemplate == nil {
		s.DatadirVolumeClaimTemplate = &DatadirVolumeClaim{}
	}
	if s.DatadirVolumeClaimTemplate.Storage == "" {
		s.DatadirVolumeClaimTemplate.Storage = DefaultStorage
	}
	if s.DatadirRetentionPolicy == nil {
		s.DatadirRetentionPolicy = &DatadirRetentionPolicy{}
	}
	if s.DatadirRetentionPolicy.WhenDeleted == "" {
		s.DatadirRetentionPolicy.WhenDeleted = defaultRetention
	}
	if s.DatadirRetentionPolicy.WhenScaled == "" {
		s.DatadirRetentionPolicy.WhenScaled = defaultRetention
	}
	if s.Placement == "" {
		s.Placement = PlacementPreferred
	}
	if s.Service == nil {
		s.Service = &ServiceSpec{}
	}
	if s.Service.Type == "" {
		s.Service.Type = defaultServiceType
	}
	// No router object is invented: a cluster without one runs no router.
	if s.Router != nil && s.Router.Instances == nil {
		n := DefaultRouterInstances
		s.Router.Instances = &n
	}
}
