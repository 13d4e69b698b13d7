package specs

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Keys, volumes and paths of the members' TLS material (docs/tls.md).
const (
	// KeyCACert is the trust bundle (PEM, the current CA first) in the CA Secret, the managed TLS Secret and a
	// user's tlsCASecretName; KeyCAKey is the CA's private key, only in the CA Secret (never mounted).
	KeyCACert = "ca.crt"
	KeyCAKey  = "ca.key"
	// KeyTLSCert and KeyTLSKey are the certificate and key of a user's kubernetes.io/tls Secret.
	KeyTLSCert = corev1.TLSCertKey
	KeyTLSKey  = corev1.TLSPrivateKeyKey
	// TLSVolume holds the server certificates, TLSCAVolume the trust bundle.
	TLSVolume   = "tls"
	TLSCAVolume = "tls-ca"
	// TLSDir and TLSCADir are where the mysql container mounts them.
	TLSDir   = "/etc/mysql/tls"
	TLSCADir = "/etc/mysql/tls-ca"
	// GroupSSLVerifyIdentity and GroupSSLVerifyCA are the group_replication_ssl_mode values Orca writes.
	GroupSSLVerifyIdentity = "VERIFY_IDENTITY"
	GroupSSLVerifyCA       = "VERIFY_CA"
	// GroupSSLRequired encrypts group connections without verifying the peer: what members started by an Orca
	// without TLS run, and what adopted members run until none of those is left (GroupSSLModeFor).
	GroupSSLRequired = "REQUIRED"
	// tlsFileMode lets mysqld (group 999 through fsGroup) read the files and nobody else.
	tlsFileMode = 0o440
)

// ManagedTLS reports whether Orca's own CA issues the members' certificates (spec.tlsSecretName unset).
func ManagedTLS(c *v1.InnoDBCluster) bool { return c.Spec.TLSSecretName == "" }

// CASecretName holds Orca's CA for the cluster (certificate and key); it exists only with ManagedTLS.
func CASecretName(c *v1.InnoDBCluster) string { return c.Name + "-ca" }

// ServerTLSSecretName holds the members' certificates: spec.tlsSecretName, or Orca's <name>-tls with one
// certificate per member (MemberCertKey) and the trust bundle.
func ServerTLSSecretName(c *v1.InnoDBCluster) string {
	if c.Spec.TLSSecretName != "" {
		return c.Spec.TLSSecretName
	}
	return c.Name + "-tls"
}

// TrustSecretName holds the trust bundle (key ca.crt) members and clients verify certificates with.
func TrustSecretName(c *v1.InnoDBCluster) string {
	if c.Spec.TLSCASecretName != "" {
		return c.Spec.TLSCASecretName
	}
	return ServerTLSSecretName(c)
}

// MemberCertKey and MemberKeyKey are a member's certificate and key in Orca's <name>-tls Secret.
func MemberCertKey(pod string) string { return pod + ".crt" }

// MemberKeyKey is the member's private key in Orca's <name>-tls Secret.
func MemberKeyKey(pod string) string { return pod + ".key" }

// MemberTLSNames are the DNS names a member's certificate is issued for: its stable name first (report_host,
// the name the operator, the router and the other members dial), its shorter forms inside the cluster, the
// name its SRV records point to under dnsZone ("" for none), and the client Services that may lead to it.
func MemberTLSNames(c *v1.InnoDBCluster, ordinal int, clusterZone, dnsZone string) []string {
	if clusterZone == "" {
		clusterZone = ClusterZone
	}
	pod, headless, ns := PodName(c, ordinal), HeadlessServiceName(c), c.Namespace
	names := []string{MemberHost(c, ordinal, clusterZone),
		fmt.Sprintf("%s.%s.%s.svc", pod, headless, ns), fmt.Sprintf("%s.%s.%s", pod, headless, ns)}
	if dnsZone != "" {
		names = append(names, fmt.Sprintf("%s.%s.%s.%s", pod, c.Name, ns, trimDot(dnsZone)))
	}
	for _, svc := range []string{ClientServiceName(c), PrimaryServiceName(c), ReplicasServiceName(c),
		ReadOnlyServiceName(c)} {
		names = append(names, fmt.Sprintf("%s.%s.svc.%s", svc, ns, clusterZone), fmt.Sprintf("%s.%s.svc", svc, ns))
	}
	return names
}

// WantedMemberCerts are the names of every member that may run (member pod -> names): the first replicas
// ordinals, so a member added by scaling has its certificate before its pod starts.
func WantedMemberCerts(c *v1.InnoDBCluster, replicas int32, clusterZone, dnsZone string) map[string][]string {
	out := map[string][]string{}
	for i := 0; i < int(replicas); i++ {
		out[PodName(c, i)] = MemberTLSNames(c, i, clusterZone, dnsZone)
	}
	return out
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// tlsOptions are the shared TLS options: the trust bundle for clients, X Protocol (which shares the classic
// TLS context while no mysqlx_ssl_* is set, manual 22.5.3), group communication and distributed recovery
// (manual 20.6.3), and clone. With a user certificate its files are shared too; Orca's per-member
// certificates are written by `orca init` (memberTLSOptions).
func tlsOptions(c *v1.InnoDBCluster, groupSSLMode string) []option {
	ca := TLSCADir + "/" + KeyCACert
	opts := []option{{"ssl_ca", ca}}
	if !ManagedTLS(c) {
		opts = append(opts, certOptions(TLSDir+"/"+KeyTLSCert, TLSDir+"/"+KeyTLSKey)...)
	}
	verify := "OFF"
	if groupSSLMode == GroupSSLVerifyIdentity {
		verify = "ON"
	}
	return append(opts,
		option{"group_replication_ssl_mode", groupSSLMode},
		// The recovery account uses caching_sha2_password, which refuses an unencrypted connection:
		// distributed recovery must use TLS or it fails with "Authentication requires secure connection".
		option{"group_replication_recovery_use_ssl", "ON"},
		option{"group_replication_recovery_ssl_ca", ca},
		option{"group_replication_recovery_ssl_verify_server_cert", verify},
		option{"clone_ssl_ca", ca},
	)
}

// GroupSSLModeFor is group_replication_ssl_mode while the pods run: verified (mode) once every pod was started
// with Orca's TLS material (AnnotationTLSHash), REQUIRED while a pod started before Orca managed TLS is left.
// Such a member serves a certificate mysqld generated, signed by no CA the others trust, and with the MYSQL
// communication stack every member connects to every other: an adopted member that verified its peers could
// not join the group the others still form. The switch to mode afterwards changes the my.cnf, so the members
// roll once more, one at a time (docs/tls.md).
func GroupSSLModeFor(mode string, pods []corev1.Pod) string {
	for i := range pods {
		if _, ok := pods[i].Annotations[v1.AnnotationTLSHash]; !ok {
			return GroupSSLRequired
		}
	}
	return mode
}

// certOptions name a member's certificate and key for clients, recovery and clone.
func certOptions(cert, key string) []option {
	return []option{
		{"ssl_cert", cert}, {"ssl_key", key},
		{"group_replication_recovery_ssl_cert", cert}, {"group_replication_recovery_ssl_key", key},
		{"clone_ssl_cert", cert}, {"clone_ssl_key", key},
	}
}

// RenderMemberTLSCnf renders the per-member certificate options `orca init --tls-member-certs` writes for
// Orca's per-member certificates (files <pod>.crt and <pod>.key of the TLS volume).
func RenderMemberTLSCnf(pod string) string {
	out := "[mysqld]\n"
	for _, o := range certOptions(TLSDir+"/"+MemberCertKey(pod), TLSDir+"/"+MemberKeyKey(pod)) {
		out += o.line()
	}
	return out
}

// tlsVolumes mount the server certificates and the trust bundle. Only ca.crt of the trust Secret is
// projected, so the CA Secret's key could never be mounted even if a user pointed tlsCASecretName at it.
func tlsVolumes(c *v1.InnoDBCluster) []corev1.Volume {
	return []corev1.Volume{
		{Name: TLSVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: ServerTLSSecretName(c), DefaultMode: ptr.To[int32](tlsFileMode)}}},
		{Name: TLSCAVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: TrustSecretName(c), DefaultMode: ptr.To[int32](tlsFileMode),
			Items: []corev1.KeyToPath{{Key: KeyCACert, Path: KeyCACert}}}}},
	}
}

func tlsMounts() []corev1.VolumeMount {
	return []corev1.VolumeMount{
		{Name: TLSVolume, MountPath: TLSDir, ReadOnly: true},
		{Name: TLSCAVolume, MountPath: TLSCADir, ReadOnly: true},
	}
}
