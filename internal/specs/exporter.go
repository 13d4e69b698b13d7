package specs

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The mysqld_exporter sidecar of spec.metrics.exporter.
const (
	ContainerExporter = "mysqld-exporter"
	// PortExporter is the sidecar's /metrics port (mysqld_exporter's default), named "metrics".
	PortExporter = 9104
	// envExporterPassword is where mysqld_exporter 0.15+ reads the password of --mysqld.username.
	envExporterPassword = "MYSQLD_EXPORTER_PASSWORD"
)

// exporterCollectors are the collectors the monitoring account can feed: SHOW GLOBAL STATUS and VARIABLES need
// no privilege, and the account reads performance_schema's Group Replication member tables. The default ones
// that need PROCESS or REPLICATION CLIENT are turned off, so every scrape succeeds.
var exporterCollectors = []string{
	"--collect.global_status",
	"--collect.global_variables",
	"--collect.perf_schema.replication_group_members",
	"--collect.perf_schema.replication_group_member_stats",
	"--no-collect.slave_status",
	"--no-collect.info_schema.innodb_cmp",
	"--no-collect.info_schema.innodb_cmpmem",
	"--no-collect.info_schema.query_response_time",
}

// exporterContainer is the sidecar of a cluster that asks for one; ok is false otherwise. It signs in as the
// router's monitoring account over the pod's loopback; a cluster whose internal Secret predates that account
// (keys added once a router is asked for) runs the sidecar without it, and mysql_up says 0.
func exporterContainer(c *v1.InnoDBCluster) (corev1.Container, bool) {
	if c.Spec.Metrics == nil || c.Spec.Metrics.Exporter == nil {
		return corev1.Container{}, false
	}
	e := c.Spec.Metrics.Exporter
	image := e.Image
	if image == "" {
		image = v1.DefaultExporterImage
	}
	secret := InternalSecretName(c)
	args := append([]string{
		fmt.Sprintf("--mysqld.address=127.0.0.1:%d", PortMySQL),
		"--mysqld.username=$(MYSQLD_EXPORTER_USER)",
		fmt.Sprintf("--web.listen-address=:%d", PortExporter),
	}, exporterCollectors...)
	ctr := corev1.Container{
		Name:            ContainerExporter,
		Image:           image,
		ImagePullPolicy: c.Spec.ImagePullPolicy,
		Args:            args,
		Env: []corev1.EnvVar{
			{Name: "MYSQLD_EXPORTER_USER", ValueFrom: optional(secretKey(secret, KeyRouterUser))},
			{Name: envExporterPassword, ValueFrom: optional(secretKey(secret, KeyRouterPassword))},
		},
		Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: PortExporter}},
		LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/", Port: intstr.FromString("metrics")}}, PeriodSeconds: 30, FailureThreshold: 3},
		Resources:       exporterResources(e),
		SecurityContext: restrictedSecurityContext(),
	}
	return ctr, true
}

func exporterResources(e *v1.ExporterSpec) corev1.ResourceRequirements {
	if e.Resources != nil {
		return *e.Resources
	}
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"),
			corev1.ResourceMemory: resource.MustParse("32Mi")},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
}
