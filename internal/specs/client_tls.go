package specs

import (
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ClientTLSCAFile is where pods of Orca's image that connect to members (routers, backup, restore, archiver and
// migration runners) find the members' trust bundle: ca.crt of the trust Secret, mounted alone.
const ClientTLSCAFile = "/etc/orca/tls-ca/" + KeyCACert

// ClientTrust is how a client pod verifies a cluster's members: the Secret holding the trust bundle, and the
// name checked instead of the one dialled when the members' certificate does not name it (a user's certificate,
// VERIFY_CA; "" otherwise, VERIFY_IDENTITY).
type ClientTrust struct {
	SecretName, ServerName string
}

// ClientTrustOf is the trust of the cluster's members with serverName (tlsca.Trust.ServerName).
func ClientTrustOf(c *v1.InnoDBCluster, serverName string) ClientTrust {
	return ClientTrust{SecretName: TrustSecretName(c), ServerName: serverName}
}

// Args are the flags of an Orca command that verifies the members: --tls-ca-file, and --tls-server-name when set.
func (t ClientTrust) Args() []string {
	args := []string{"--tls-ca-file=" + ClientTLSCAFile}
	if t.ServerName != "" {
		args = append(args, "--tls-server-name="+t.ServerName)
	}
	return args
}

// Volume is the trust bundle alone: certificates and no key, readable by the pod's user without an fsGroup.
func (t ClientTrust) Volume() corev1.Volume {
	return corev1.Volume{Name: TLSCAVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: t.SecretName, DefaultMode: ptr.To[int32](0o444),
		Items: []corev1.KeyToPath{{Key: KeyCACert, Path: KeyCACert}}}}}
}

// Mount mounts Volume read-only where ClientTLSCAFile points.
func (t ClientTrust) Mount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: TLSCAVolume, MountPath: path.Dir(ClientTLSCAFile), ReadOnly: true}
}

// withClientTrust gives a Job's only container the trust bundle and the flags that verify the members with it.
func withClientTrust(spec *corev1.PodSpec, t ClientTrust) {
	spec.Volumes = append(spec.Volumes, t.Volume())
	ctr := &spec.Containers[0]
	ctr.Command = append(ctr.Command, t.Args()...)
	ctr.VolumeMounts = append(ctr.VolumeMounts, t.Mount())
}
