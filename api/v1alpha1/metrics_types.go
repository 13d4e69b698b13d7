package v1alpha1

import corev1 "k8s.io/api/core/v1"

// DefaultExporterImage is the mysqld_exporter image of spec.metrics.exporter when it names none.
const DefaultExporterImage = "quay.io/prometheus/mysqld-exporter:v0.17.2"

// MetricsSpec configures the members' Prometheus metrics.
type MetricsSpec struct {
	// Exporter runs Prometheus' mysqld_exporter as a sidecar of every member, serving /metrics on the pod's
	// port 9104 (named metrics). It signs in as Orca's read-only monitoring account over the pod's loopback
	// (global status and variables, performance_schema's Group Replication member tables), and passes the
	// restricted Pod Security Standard.
	// +optional
	Exporter *ExporterSpec `json:"exporter,omitempty"`
}

// ExporterSpec is the mysqld_exporter sidecar.
type ExporterSpec struct {
	// Image of mysqld_exporter (0.15 or later). Default DefaultExporterImage.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`
	// Resources of the sidecar. Default: 10m CPU and 32Mi memory requested, 128Mi memory limit.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}
