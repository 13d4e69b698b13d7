package specs

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Names of volumes, containers and the readiness gate of member pods.
const (
	DatadirVolume       = "datadir"
	ConfigVolume        = "mycnf"
	ConfDirVolume       = "conf-d"
	ContainerMySQL      = "mysql"
	ContainerInit       = "orca-init"
	ReadinessGateOnline = corev1.PodConditionType("mysql.orca.dev/member-online")
	// EnvSkipTZInfo makes the official image's entrypoint skip loading time zones at first start.
	EnvSkipTZInfo = "MYSQL_INITDB_SKIP_TZINFO"
	confDir       = "/etc/mysql/conf.d"
	templateDir   = "/orca/mycnf"
)

// StatefulSetOptions are operator-level settings the StatefulSet needs.
type StatefulSetOptions struct {
	// OrcaImage runs the `orca init` init container.
	OrcaImage string
	// ConfigHash is the hash of the rendered my.cnf, recorded on the pod template.
	ConfigHash string
	// TLSHash identifies the members' TLS material (AnnotationTLSHash), recorded on the pod template.
	TLSHash string
	// ClusterZone is the cluster DNS zone (cluster.local by default).
	ClusterZone string
	// Replicas overrides spec.instances while members beyond it still have to leave the group gracefully.
	Replicas int32
}

// StatefulSet builds the members' StatefulSet. Updates are OnDelete: Orca replaces pods itself, one at a
// time and the primary last, because only it knows the group's roles. Pods start in parallel so a full
// outage recovers without waiting for ordinals in turn.
func StatefulSet(c *v1.InnoDBCluster, o StatefulSetOptions) (*appsv1.StatefulSet, error) {
	storage, err := resource.ParseQuantity(c.Spec.DatadirVolumeClaimTemplate.Storage)
	if err != nil {
		return nil, fmt.Errorf("parse datadirVolumeClaimTemplate.storage: %w", err)
	}
	labels := merge(c.Spec.PodLabels, ObjectLabels(c), SelectorLabels(c))
	annotations := merge(c.Spec.PodAnnotations, map[string]string{v1.AnnotationConfigHash: o.ConfigHash,
		v1.AnnotationTLSHash: o.TLSHash})
	sts := &appsv1.StatefulSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Name: StatefulSetName(c), Namespace: c.Namespace, Labels: ObjectLabels(c),
			Annotations: map[string]string{v1.AnnotationClusterGeneration: strconv.FormatInt(c.Generation, 10)}},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(max(c.Spec.Instances, o.Replicas)),
			ServiceName:         HeadlessServiceName(c),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			Selector:            &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: retention(c.Spec.DatadirRetentionPolicy.WhenDeleted),
				WhenScaled:  retention(c.Spec.DatadirRetentionPolicy.WhenScaled),
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec:       podSpec(c, o),
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: DatadirVolume, Labels: SelectorLabels(c)},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      accessModes(c),
					StorageClassName: c.Spec.DatadirVolumeClaimTemplate.StorageClassName,
					Resources: corev1.VolumeResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceStorage: storage},
					},
				},
			}},
		},
	}
	return sts, nil
}

// ReplicasDuringScaleDown keeps the pods of members beyond spec.instances until they have left the group:
// the StatefulSet shrinks only past members that are no longer ONLINE or RECOVERING, so scale-down never
// yanks a member out of a running group.
func ReplicasDuringScaleDown(c *v1.InnoDBCluster) int32 {
	replicas := c.Spec.Instances
	for _, m := range c.Status.Members {
		if m.State != "ONLINE" && m.State != "RECOVERING" {
			continue
		}
		if ord, err := Ordinal(m.Pod); err == nil && int32(ord) >= replicas {
			replicas = int32(ord) + 1
		}
	}
	return replicas
}

func retention(a v1.RetentionAction) appsv1.PersistentVolumeClaimRetentionPolicyType {
	if a == v1.RetentionDelete {
		return appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	}
	return appsv1.RetainPersistentVolumeClaimRetentionPolicyType
}

func accessModes(c *v1.InnoDBCluster) []corev1.PersistentVolumeAccessMode {
	if m := c.Spec.DatadirVolumeClaimTemplate.AccessModes; len(m) > 0 {
		return m
	}
	return []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
}

func podSpec(c *v1.InnoDBCluster, o StatefulSetOptions) corev1.PodSpec {
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To(c.GracePeriodSeconds()),
		ImagePullSecrets:              c.Spec.ImagePullSecrets,
		ReadinessGates:                []corev1.PodReadinessGate{{ConditionType: ReadinessGateOnline}},
		SecurityContext: &corev1.PodSecurityContext{
			RunAsUser: ptr.To[int64](999), RunAsGroup: ptr.To[int64](999), FSGroup: ptr.To[int64](999),
			RunAsNonRoot: ptr.To(true),
		},
		InitContainers: []corev1.Container{initContainer(c, o)},
		Containers:     []corev1.Container{mysqlContainer(c)},
		Volumes: []corev1.Volume{
			{Name: ConfigVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(c)},
			}}},
			{Name: ConfDirVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
		Affinity:                  memberAffinity(c),
		TopologySpreadConstraints: memberSpread(c),
	}
	if exporter, ok := exporterContainer(c); ok {
		spec.Containers = append(spec.Containers, exporter)
	}
	spec.Volumes = append(spec.Volumes, tlsVolumes(c)...)
	if p := c.Spec.PodSpec; p != nil {
		spec.Tolerations = p.Tolerations
		spec.NodeSelector = p.NodeSelector
		spec.PriorityClassName = p.PriorityClassName
	}
	return spec
}

func initContainer(c *v1.InnoDBCluster, o StatefulSetOptions) corev1.Container {
	zone := o.ClusterZone
	if zone == "" {
		zone = ClusterZone
	}
	command := []string{"/orca", "init",
		"--base-server-id", fmt.Sprint(c.Spec.BaseServerID),
		"--service", HeadlessServiceName(c),
		"--cluster-zone", zone,
		"--template-dir", templateDir,
		"--output-dir", confDir}
	if ManagedTLS(c) {
		command = append(command, "--tls-member-certs")
	}
	return corev1.Container{
		Name:            ContainerInit,
		Image:           o.OrcaImage,
		ImagePullPolicy: c.Spec.ImagePullPolicy,
		Command:         command,
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: fieldRef("metadata.name")},
			{Name: "POD_NAMESPACE", ValueFrom: fieldRef("metadata.namespace")},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: ConfigVolume, MountPath: templateDir, ReadOnly: true},
			{Name: ConfDirVolume, MountPath: confDir},
		},
		SecurityContext: restrictedSecurityContext(),
	}
}

func mysqlContainer(c *v1.InnoDBCluster) corev1.Container {
	secret := CredentialsSecretName(c)
	ctr := corev1.Container{
		Name:            ContainerMySQL,
		Image:           c.MySQLImage(),
		ImagePullPolicy: c.Spec.ImagePullPolicy,
		Ports: []corev1.ContainerPort{
			{Name: "mysql", ContainerPort: PortMySQL},
			{Name: "mysqlx", ContainerPort: PortMySQLX},
		},
		Env: []corev1.EnvVar{
			{Name: "MYSQL_ROOT_PASSWORD", ValueFrom: secretKey(secret, KeyRootPassword)},
			{Name: "MYSQL_ROOT_HOST", ValueFrom: optional(secretKey(secret, KeyRootHost))},
			// The image's entrypoint loads the time zone tables without SQL_LOG_BIN=0, which leaves
			// transactions under the member's own server_uuid before it ever joins the group.
			{Name: EnvSkipTZInfo, Value: "1"},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: DatadirVolume, MountPath: "/var/lib/mysql"},
			{Name: ConfDirVolume, MountPath: confDir, ReadOnly: true},
		},
		// Liveness asks only whether mysqld answers at all: `mysqladmin ping` succeeds even when the
		// account is refused, so a member in distributed recovery (or cloning) is never killed for it.
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     mysqladminPing,
			PeriodSeconds:    10,
			TimeoutSeconds:   5,
			FailureThreshold: 6,
		},
		// Startup allows a long first start (datadir initialisation, a clone) before liveness counts.
		StartupProbe: &corev1.Probe{
			ProbeHandler:     mysqladminPing,
			PeriodSeconds:    10,
			TimeoutSeconds:   5,
			FailureThreshold: 90,
		},
		// Readiness only says the server accepts connections; the readiness gate, which Orca sets when the
		// member is ONLINE in the group, decides whether the pod is Ready.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(PortMySQL)}},
			PeriodSeconds: 5,
		},
		SecurityContext: restrictedSecurityContext(),
	}
	ctr.VolumeMounts = append(ctr.VolumeMounts, tlsMounts()...)
	if p := c.Spec.PodSpec; p != nil && p.Resources != nil {
		ctr.Resources = *p.Resources
	}
	return ctr
}

var mysqladminPing = corev1.ProbeHandler{Exec: &corev1.ExecAction{
	Command: []string{"mysqladmin", "ping", "--protocol=socket"},
}}

func restrictedSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func fieldRef(path string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
}

func secretKey(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key,
	}}
}

func optional(s *corev1.EnvVarSource) *corev1.EnvVarSource {
	s.SecretKeyRef.Optional = ptr.To(true)
	return s
}
