package specs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// What a router pod is made of.
const (
	// ContainerRouter is the router pods' only container.
	ContainerRouter = "router"
	// EnvRouterUser and EnvRouterPassword hold the router account, from the internal Secret.
	EnvRouterUser     = "ORCA_ROUTER_USER"
	EnvRouterPassword = "ORCA_ROUTER_PASSWORD"
	// RouterHealthPath answers 200 while the router holds a current view of the group (readiness).
	RouterHealthPath = "/healthz"
	// RouterLivePath answers 200 unless the router is wedged (liveness): a lost view of the group is not a reason
	// to restart it.
	RouterLivePath = "/livez"
	// RouterGracePeriodSeconds exceeds the router's own drain on SIGTERM (up to 30 s).
	RouterGracePeriodSeconds = 40
	// routerUID runs the router as a fixed unprivileged user whatever the image declares, so runAsNonRoot
	// holds for any build of the Orca image.
	routerUID int64 = 65532
)

// Names of the router's ports, on the container and on the Services.
const (
	portNameMySQL    = "mysql"
	portNameMySQLX   = "mysqlx"
	portNameRW       = "mysql-rw"
	portNameRO       = "mysql-ro"
	portNameXRW      = "mysqlx-rw"
	portNameXRO      = "mysqlx-ro"
	portNameHTTP     = "http"
	podTemplateLabel = appsv1.DefaultDeploymentUniqueLabelKey
)

// RouterOptions are operator-level settings and observed inputs the router Deployment needs.
type RouterOptions struct {
	// OrcaImage is the image the routers run (the operator's --orca-image).
	OrcaImage string
	// ClusterZone is the cluster DNS zone of the members' names (cluster.local when empty).
	ClusterZone string
	// CredentialsFingerprint identifies the router account's credentials in the internal Secret
	// (RouterCredentialsFingerprint); the pods read them at start, so a change must roll them.
	CredentialsFingerprint string
	// TrustFingerprint identifies the trust bundle the pods read at start (tlsca.Trust.Fingerprint): a new CA
	// rolls them. TLSServerName is --tls-server-name, for a user's certificate that does not name the members.
	TrustFingerprint, TLSServerName string
}

// RouterTLSCAFile is where router pods find the members' trust bundle (ca.crt of the trust Secret).
const RouterTLSCAFile = ClientTLSCAFile

// RouterCommand is what a router pod runs: `orca router` with every desired member's stable name on the classic
// port as its bootstrap list (it learns the topology from the members themselves), and MySQL Router's ports.
func RouterCommand(c *v1.InnoDBCluster, zone string) []string {
	members := make([]string, 0, c.Spec.Instances)
	for i := range int(c.Spec.Instances) {
		members = append(members, MemberHost(c, i, zone)+":"+strconv.Itoa(PortMySQL))
	}
	return []string{"/orca", "router",
		"--members", strings.Join(members, ","),
		"--cluster", c.Name,
		"--namespace", c.Namespace,
		"--rw-port", strconv.Itoa(PortRouterRW),
		"--ro-port", strconv.Itoa(PortRouterRO),
		"--x-rw-port", strconv.Itoa(PortRouterXRW),
		"--x-ro-port", strconv.Itoa(PortRouterXRO),
		"--member-x-port", strconv.Itoa(PortMySQLX),
		"--http-bind-address", ":" + strconv.Itoa(PortRouterHTTP),
		"--tls-ca-file", RouterTLSCAFile,
	}
}

// RouterCredentialsFingerprint identifies the router account's user and password in the internal Secret
// without revealing them: an HMAC keyed with the group name, like the status's credentials fingerprint.
func RouterCredentialsFingerprint(internal *corev1.Secret) string {
	mac := hmac.New(sha256.New, []byte(secretValue(internal, KeyGroupName)))
	for _, k := range []string{KeyRouterUser, KeyRouterPassword} {
		mac.Write([]byte(secretValue(internal, k)))
		mac.Write([]byte{0})
	}
	return hex.EncodeToString(mac.Sum(nil)[:12])
}

// RouterHash identifies what a router pod reads when it starts: its command and the credentials fingerprint.
// The command is in the pod template anyway; the credentials are not (the pods read them from the Secret), and
// the hash is what rolls the routers when the router account's password is rotated.
func RouterHash(command []string, credentialsFingerprint string) string {
	sum := sha256.New()
	for _, part := range command {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	sum.Write([]byte(credentialsFingerprint))
	return hex.EncodeToString(sum.Sum(nil)[:8])
}

// RouterDeployment builds the router Deployment: spec.router.instances pods spread over nodes, replaced one at
// a time with a new pod Ready before an old one goes (maxUnavailable 0), so a roll never lowers the number of
// routers serving.
func RouterDeployment(c *v1.InnoDBCluster, o RouterOptions) *appsv1.Deployment {
	r := routerSpec(c)
	command := RouterCommand(c, o.ClusterZone)
	if o.TLSServerName != "" {
		command = append(command, "--tls-server-name", o.TLSServerName)
	}
	labels := merge(r.PodLabels, ObjectLabels(c), RouterSelectorLabels(c))
	annotations := merge(r.PodAnnotations, map[string]string{
		v1.AnnotationRouterHash: RouterHash(command, o.CredentialsFingerprint+o.TrustFingerprint)})
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: RouterName(c), Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(c.RouterInstances()),
			Selector: &metav1.LabelSelector{MatchLabels: RouterSelectorLabels(c)},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(0)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec:       routerPodSpec(c, r, o, command),
			},
		},
	}
}

func routerSpec(c *v1.InnoDBCluster) *v1.RouterSpec {
	if c.Spec.Router == nil {
		return &v1.RouterSpec{}
	}
	return c.Spec.Router
}

// routerPodSpec runs under the restricted Pod Security Standard, with no API token (the router talks to the
// members only) and no Service environment variables.
func routerPodSpec(c *v1.InnoDBCluster, r *v1.RouterSpec, o RouterOptions, command []string) corev1.PodSpec {
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](RouterGracePeriodSeconds),
		AutomountServiceAccountToken:  ptr.To(false),
		EnableServiceLinks:            ptr.To(false),
		ImagePullSecrets:              c.Spec.ImagePullSecrets,
		SecurityContext:               orcaPodSecurityContext(),
		Containers:                    []corev1.Container{routerContainer(c, r, o, command)},
		Volumes:                       []corev1.Volume{ClientTrustOf(c, "").Volume()},
		Affinity:                      routerAffinity(c),
		TopologySpreadConstraints:     routerSpread(c),
		Tolerations:                   r.Tolerations,
		NodeSelector:                  r.NodeSelector,
		PriorityClassName:             r.PriorityClassName,
	}
	if r.Affinity != nil {
		spec.Affinity = r.Affinity
	}
	return spec
}

// orcaPodSecurityContext runs pods of Orca's image as a fixed unprivileged user, under the restricted Pod
// Security Standard.
func orcaPodSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(routerUID), RunAsGroup: ptr.To(routerUID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func routerContainer(c *v1.InnoDBCluster, r *v1.RouterSpec, o RouterOptions, command []string) corev1.Container {
	secret := InternalSecretName(c)
	sc := restrictedSecurityContext()
	sc.ReadOnlyRootFilesystem = ptr.To(true)
	sc.RunAsNonRoot = ptr.To(true)
	ctr := corev1.Container{
		Name:            ContainerRouter,
		Image:           o.OrcaImage,
		ImagePullPolicy: c.Spec.ImagePullPolicy,
		Command:         command,
		Env: []corev1.EnvVar{
			{Name: EnvRouterUser, ValueFrom: secretKey(secret, KeyRouterUser)},
			{Name: EnvRouterPassword, ValueFrom: secretKey(secret, KeyRouterPassword)},
		},
		Ports: []corev1.ContainerPort{
			{Name: portNameRW, ContainerPort: PortRouterRW},
			{Name: portNameRO, ContainerPort: PortRouterRO},
			{Name: portNameXRW, ContainerPort: PortRouterXRW},
			{Name: portNameXRO, ContainerPort: PortRouterXRO},
			{Name: portNameHTTP, ContainerPort: PortRouterHTTP},
		},
		// Readiness follows the router's view of the group closely: a router that lost it leaves the
		// Services' endpoints within about 4 seconds.
		ReadinessProbe: &corev1.Probe{ProbeHandler: routerHealth, PeriodSeconds: 2, TimeoutSeconds: 1,
			FailureThreshold: 2},
		// Liveness only catches a wedged router (its topology loop stalled, or no HTTP answer for 30 s): a router
		// waiting for a group that is being bootstrapped, or for a quorum to come back, stays up, unready.
		LivenessProbe: &corev1.Probe{ProbeHandler: routerLive, PeriodSeconds: 10, TimeoutSeconds: 3,
			FailureThreshold: 3},
		VolumeMounts:    []corev1.VolumeMount{ClientTrustOf(c, "").Mount()},
		SecurityContext: sc,
	}
	if r.Resources != nil {
		ctr.Resources = *r.Resources
	}
	return ctr
}

var routerHealth = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
	Path: RouterHealthPath, Port: intstr.FromInt32(PortRouterHTTP),
}}

var routerLive = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
	Path: RouterLivePath, Port: intstr.FromInt32(PortRouterHTTP),
}}

// routerAffinity prefers one router per node, so a node loss costs one router.
func routerAffinity(c *v1.InnoDBCluster) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: RouterSelectorLabels(c)},
				TopologyKey:   corev1.LabelHostname,
			},
		}},
	}}
}

// routerSpread evens the routers over nodes even where anti-affinity alone cannot (more routers than nodes),
// without ever leaving one unscheduled for it. matchLabelKeys counts only the pods of the same revision, so a
// rolling update spreads the new pods instead of skewing around the old ones.
func routerSpread(c *v1.InnoDBCluster) []corev1.TopologySpreadConstraint {
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       corev1.LabelHostname,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: RouterSelectorLabels(c)},
		MatchLabelKeys:    []string{podTemplateLabel},
	}}
}

// RouterPodDisruptionBudget lets a drain take one router at a time (maxUnavailable 1), whatever the number of
// routers: with two or more, the others keep serving; with one, the drain is not blocked forever (a budget
// that never allows an eviction would hold every node drain, as for a cluster of one member). A router that
// is not Ready serves nothing, so it may always be evicted (unhealthyPodEvictionPolicy AlwaysAllow).
func RouterPodDisruptionBudget(c *v1.InnoDBCluster) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: RouterName(c), Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr.To(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: RouterSelectorLabels(c)},
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		},
	}
}

// routerReadWritePorts are the ports of <name> while a router runs: the members' usual ports 3306 and 33060
// lead to the read-write ports, so applications keep their connection settings, and the router's four ports
// are there under their own numbers for clients configured for MySQL Router.
func routerReadWritePorts() []corev1.ServicePort {
	return []corev1.ServicePort{
		{Name: portNameMySQL, Port: PortMySQL, TargetPort: intstr.FromInt32(PortRouterRW)},
		{Name: portNameMySQLX, Port: PortMySQLX, TargetPort: intstr.FromInt32(PortRouterXRW)},
		{Name: portNameRW, Port: PortRouterRW, TargetPort: intstr.FromInt32(PortRouterRW)},
		{Name: portNameRO, Port: PortRouterRO, TargetPort: intstr.FromInt32(PortRouterRO)},
		{Name: portNameXRW, Port: PortRouterXRW, TargetPort: intstr.FromInt32(PortRouterXRW)},
		{Name: portNameXRO, Port: PortRouterXRO, TargetPort: intstr.FromInt32(PortRouterXRO)},
	}
}

// routerReadOnlyPorts are the ports of <name>-ro: 3306 and 33060 lead to the read-only ports.
func routerReadOnlyPorts() []corev1.ServicePort {
	return []corev1.ServicePort{
		{Name: portNameMySQL, Port: PortMySQL, TargetPort: intstr.FromInt32(PortRouterRO)},
		{Name: portNameMySQLX, Port: PortMySQLX, TargetPort: intstr.FromInt32(PortRouterXRO)},
	}
}

func secretValue(s *corev1.Secret, key string) string {
	if v, ok := s.Data[key]; ok {
		return string(v)
	}
	return s.StringData[key]
}
