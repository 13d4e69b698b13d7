package specs

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// MigrationServiceAccount is the ServiceAccount of migration Pods: the built-in runner takes its Lease with it.
const MigrationServiceAccount = "orca-migrate"

// migrationUID runs the migration container, as the router's.
const migrationUID int64 = 65532

// MigrationPodName is the migration Pod of a run.
func MigrationPodName(run *v1.MigrationRun) string { return run.Name }

// MigrationLeaseName is the Lease that serialises the migrations of a cluster.
func MigrationLeaseName(cluster string) string { return cluster + "-migrations" }

// MigrationHost is the <cluster> Service (the primary, or the routers' read-write port) as the migration Pod
// reaches it: <cluster>.<namespace>.svc, resolved through the cluster domain's search path.
func MigrationHost(run *v1.MigrationRun) string {
	return run.Spec.ClusterName + "." + run.Namespace + ".svc"
}

// MigrationSRVURI is the primary of the run's cluster as a mysql+srv URI on Orca's DNS SRV records
// (docs/dns.md: _mysql._tcp.primary.<cluster>.<namespace>.<zone>, the primary only), with the hook's schema and no
// credentials (they are MYSQL_USER and MYSQL_PASSWORD). JDBC takes it with "jdbc:" before it.
func MigrationSRVURI(run *v1.MigrationRun, hook *v1.MigrationHook, zone string) string {
	return "mysql+srv://_mysql._tcp.primary." + run.Spec.ClusterName + "." + run.Namespace + "." + zone + "/" +
		hook.Spec.Database.Name
}

// MigrationPod is the Pod that runs a run's migration: the built-in runner (orca migrate) or the hook's image,
// against the primary through the <cluster> Service, restricted, never restarted (the run's outcome is the
// Pod's), owned by the run. srvZone is the zone of Orca's DNS SRV records when they are served ("": off). trust
// verifies the primary's certificate: its bundle is mounted and named by MYSQL_SSL_CA, for any runner.
func MigrationPod(run *v1.MigrationRun, hook *v1.MigrationHook, orcaImage, srvZone string,
	trust ClientTrust) *corev1.Pod {
	c := migrationContainer(run, hook, orcaImage)
	if srvZone != "" {
		c.Env = append(c.Env, corev1.EnvVar{Name: "MYSQL_SRV_URI", Value: MigrationSRVURI(run, hook, srvZone)})
	}
	c.Env = append(c.Env, migrationTLSEnv(trust)...)
	c.VolumeMounts = append(c.VolumeMounts, trust.Mount())
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: run.Namespace, Name: MigrationPodName(run),
			Labels: map[string]string{v1.LabelCluster: run.Spec.ClusterName, v1.LabelMigrationHook: run.Spec.HookName,
				v1.LabelMigrationRun: run.Name, v1.LabelManagedBy: v1.ManagedByOrca},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:      corev1.RestartPolicyNever,
			ServiceAccountName: MigrationServiceAccount,
			EnableServiceLinks: ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(migrationUID), RunAsGroup: ptr.To(migrationUID),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{c},
			Volumes: []corev1.Volume{{Name: "work",
				VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, trust.Volume()},
		},
	}
}

func migrationContainer(run *v1.MigrationRun, hook *v1.MigrationHook, orcaImage string) corev1.Container {
	sc := restrictedSecurityContext()
	sc.ReadOnlyRootFilesystem = ptr.To(true)
	c := corev1.Container{
		Name: "migrate", Image: orcaImage, Env: migrationEnv(run, hook), SecurityContext: sc,
		VolumeMounts:             []corev1.VolumeMount{{Name: "work", MountPath: "/work"}},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		Resources:                corev1.ResourceRequirements{Requests: corev1.ResourceList{}},
	}
	if hook.Spec.Runner.Type == v1.RunnerImage {
		c.Image, c.Command, c.Args = hook.Spec.Runner.Image, hook.Spec.Runner.Command, hook.Spec.Runner.Args
		return c
	}
	path := hook.Spec.Source.Path
	if path == "" {
		path = "migrations"
	}
	c.Args = []string{"migrate", "--repository=" + hook.Spec.Source.URL, "--commit=" + run.Spec.Commit,
		"--path=" + path, "--work-dir=/work/src", "--lease-name=" + MigrationLeaseName(run.Spec.ClusterName),
		"--run=" + run.Name, "--lint-policy=" + lintPolicy(hook),
		"--result-file=" + corev1.TerminationMessagePathDefault}
	return c
}

// migrationTLSEnv tells the runner how to verify the primary: MYSQL_SSL_CA (the mounted bundle), MYSQL_SSL_MODE
// as the mysql client spells it, and MYSQL_TLS_SERVER_NAME when the certificate does not name the Service.
func migrationTLSEnv(t ClientTrust) []corev1.EnvVar {
	env := []corev1.EnvVar{{Name: "MYSQL_SSL_CA", Value: ClientTLSCAFile},
		{Name: "MYSQL_SSL_MODE", Value: GroupSSLVerifyIdentity}}
	if t.ServerName != "" {
		env[1].Value = GroupSSLVerifyCA
		env = append(env, corev1.EnvVar{Name: "MYSQL_TLS_SERVER_NAME", Value: t.ServerName})
	}
	return env
}

func lintPolicy(h *v1.MigrationHook) string {
	if h.Spec.LintPolicy == "" {
		return string(v1.LintWarn)
	}
	return string(h.Spec.LintPolicy)
}

// migrationEnv is the connection (the primary through the <cluster> Service, the hook's account) and the
// delivery, for any runner.
func migrationEnv(run *v1.MigrationRun, hook *v1.MigrationHook) []corev1.EnvVar {
	db := hook.Spec.Database
	env := []corev1.EnvVar{
		{Name: "MYSQL_HOST", Value: MigrationHost(run)},
		{Name: "MYSQL_PORT", Value: "3306"},
		{Name: "MYSQL_USER", ValueFrom: secretKey(db.SecretName, "user")},
		{Name: "MYSQL_PASSWORD", ValueFrom: secretKey(db.SecretName, "password")},
		{Name: "MYSQL_DATABASE", Value: db.Name},
		{Name: "ORCA_COMMIT", Value: run.Spec.Commit},
		{Name: "ORCA_REF", Value: run.Spec.Ref},
		{Name: "ORCA_MIGRATION_RUN", Value: run.Name},
		{Name: "POD_NAME", ValueFrom: fieldRef("metadata.name")},
		{Name: "POD_NAMESPACE", ValueFrom: fieldRef("metadata.namespace")},
	}
	if s := hook.Spec.Source.CredentialsSecretName; s != "" {
		env = append(env,
			corev1.EnvVar{Name: "ORCA_GIT_USERNAME", ValueFrom: optional(secretKey(s, "username"))},
			corev1.EnvVar{Name: "ORCA_GIT_PASSWORD", ValueFrom: secretKey(s, "password")})
	}
	return env
}
