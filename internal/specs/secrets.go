package specs

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Keys of the credentials Secret (compatible with Oracle's operator) and of the internal Secret.
const (
	KeyRootUser            = "rootUser"
	KeyRootHost            = "rootHost"
	KeyRootPassword        = "rootPassword"
	KeyAdminUser           = "adminUser"
	KeyAdminPassword       = "adminPassword"
	KeyReplicationUser     = "replicationUser"
	KeyReplicationPassword = "replicationPassword"
	KeyRouterUser          = "routerUser"
	KeyRouterPassword      = "routerPassword"
	KeyGroupName           = "groupName"

	adminUser       = "orca_admin"
	replicationUser = "orca_repl"
	routerUser      = "orca_router"
	passwordChars   = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	passwordLength  = 32
)

// CredentialsSecret builds the generated root credentials Secret with a fresh random password.
// It is created once and never rewritten, so the password stays what the group was built with.
func CredentialsSecret(c *v1.InnoDBCluster) (*corev1.Secret, error) {
	pw, err := RandomPassword()
	if err != nil {
		return nil, err
	}
	return secret(c, CredentialsSecretName(c), map[string]string{
		KeyRootUser: "root", KeyRootHost: "%", KeyRootPassword: pw,
	}), nil
}

// InternalSecret builds the Secret with Orca's own accounts and the Group Replication group name.
func InternalSecret(c *v1.InnoDBCluster) (*corev1.Secret, error) {
	admin, err := RandomPassword()
	if err != nil {
		return nil, err
	}
	repl, err := RandomPassword()
	if err != nil {
		return nil, err
	}
	router, err := RandomPassword()
	if err != nil {
		return nil, err
	}
	group, err := RandomUUID()
	if err != nil {
		return nil, err
	}
	return secret(c, InternalSecretName(c), map[string]string{
		KeyAdminUser: adminUser, KeyAdminPassword: admin,
		KeyReplicationUser: replicationUser, KeyReplicationPassword: repl,
		KeyRouterUser: routerUser, KeyRouterPassword: router,
		KeyGroupName: group,
	}), nil
}

// MissingRouterKeys returns the router account's keys the internal Secret lacks, with the values to add: the user
// orca_router and a fresh password. Internal Secrets made before the router existed lack both; the result is
// empty when none is missing. Keys the Secret has are never in it, so adding the result rewrites nothing.
func MissingRouterKeys(s *corev1.Secret) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range MissingKeys(s, KeyRouterUser, KeyRouterPassword) {
		switch k {
		case KeyRouterUser:
			out[k] = routerUser
		case KeyRouterPassword:
			pw, err := RandomPassword()
			if err != nil {
				return nil, err
			}
			out[k] = pw
		}
	}
	return out, nil
}

// MissingKeys lists the keys a credentials Secret lacks.
func MissingKeys(s *corev1.Secret, keys ...string) []string {
	var missing []string
	for _, k := range keys {
		if len(s.Data[k]) == 0 && s.StringData[k] == "" {
			missing = append(missing, k)
		}
	}
	return missing
}

func secret(c *v1.InnoDBCluster, name string, data map[string]string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Type:       corev1.SecretTypeOpaque,
		StringData: data,
	}
}
