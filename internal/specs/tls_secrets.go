package specs

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/tlsca"
)

// CASecret builds the Secret of Orca's CA for the cluster; it is created once and replaced only when the CA is
// due (tlsca.Decide).
func CASecret(c *v1.InnoDBCluster, ca tlsca.KeyPair) *corev1.Secret {
	s := secret(c, CASecretName(c), nil)
	s.StringData = nil
	s.Data = map[string][]byte{KeyCACert: ca.CertPEM, KeyCAKey: ca.KeyPEM}
	return s
}

// NewClusterCA generates the cluster's CA, named after the cluster.
func NewClusterCA(c *v1.InnoDBCluster, now time.Time, p tlsca.Policy) (tlsca.KeyPair, error) {
	validity := p.CAValidity
	if validity == 0 {
		validity = tlsca.DefaultPolicy.CAValidity
	}
	return tlsca.NewCA(fmt.Sprintf("Orca CA %s/%s", c.Namespace, c.Name), now, validity)
}

// CAOf reads the CA key pair and its plain data from the CA Secret.
func CAOf(s *corev1.Secret) (tlsca.KeyPair, tlsca.Info, error) {
	kp := tlsca.KeyPair{CertPEM: s.Data[KeyCACert], KeyPEM: s.Data[KeyCAKey]}
	cert, err := tlsca.ParseCert(kp.CertPEM)
	if err != nil {
		return kp, tlsca.Info{}, fmt.Errorf("secret %s: %s: %w", s.Name, KeyCACert, err)
	}
	return kp, tlsca.InfoOf(cert), nil
}

// MemberCertState reads the member certificates of Orca's <name>-tls Secret data (nil for none) for the
// wanted members; an unreadable one counts as missing, so it is issued again.
func MemberCertState(ca tlsca.Info, data map[string][]byte, members map[string][]string) tlsca.State {
	st := tlsca.State{CA: &ca, Members: map[string]tlsca.Info{}}
	for key := range data {
		pod, ok := podOfCertKey(key)
		if !ok {
			continue
		}
		if cert, err := tlsca.ParseCert(data[key]); err == nil && len(data[MemberKeyKey(pod)]) > 0 {
			st.Members[pod] = tlsca.InfoOf(cert)
		} else if _, wanted := members[pod]; !wanted {
			st.Members[pod] = tlsca.Info{} // broken and unwanted: still dropped
		}
	}
	return st
}

func podOfCertKey(key string) (string, bool) {
	if len(key) <= len(".crt") || key[len(key)-len(".crt"):] != ".crt" || key == KeyCACert {
		return "", false
	}
	return key[:len(key)-len(".crt")], true
}

// ApplyCertPlan returns the <name>-tls data after plan: the issued certificates, the dropped ones removed, and
// the trust bundle (the CA first, earlier CAs until they expire). It does not modify data.
func ApplyCertPlan(data map[string][]byte, plan tlsca.Plan, ca tlsca.KeyPair, want map[string][]string,
	now time.Time, p tlsca.Policy) (map[string][]byte, error) {
	out := make(map[string][]byte, len(data))
	for k, v := range data {
		out[k] = v
	}
	validity := p.CertValidity
	if validity == 0 {
		validity = tlsca.DefaultPolicy.CertValidity
	}
	for _, is := range plan.Issue {
		kp, err := tlsca.IssueCert(ca, want[is.Member], now, validity)
		if err != nil {
			return nil, fmt.Errorf("issue certificate of %s: %w", is.Member, err)
		}
		out[MemberCertKey(is.Member)], out[MemberKeyKey(is.Member)] = kp.CertPEM, kp.KeyPEM
	}
	for _, pod := range plan.Drop {
		delete(out, MemberCertKey(pod))
		delete(out, MemberKeyKey(pod))
	}
	bundle, err := tlsca.Bundle(ca.CertPEM, data[KeyCACert], now)
	if err != nil {
		bundle = append([]byte(nil), ca.CertPEM...) // an unreadable old bundle is replaced
	}
	out[KeyCACert] = bundle
	return out, nil
}

// MemberTLSSecret builds Orca's <name>-tls Secret holding data at the given rotation epoch.
func MemberTLSSecret(c *v1.InnoDBCluster, data map[string][]byte, epoch int) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: ServerTLSSecretName(c), Namespace: c.Namespace, Labels: ObjectLabels(c),
			Annotations: map[string]string{v1.AnnotationTLSEpoch: strconv.Itoa(epoch)}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
}

// TLSEpoch is the rotation epoch of Orca's <name>-tls Secret (0 when unset or unreadable).
func TLSEpoch(s *corev1.Secret) int {
	n, err := strconv.Atoi(s.Annotations[v1.AnnotationTLSEpoch])
	if err != nil {
		return 0
	}
	return n
}

// ManagedTLSHash is the pods' AnnotationTLSHash for Orca's <name>-tls Secret: it changes when a renewal
// replaced certificates members had loaded (the epoch) or the Secret was made anew (its UID: the running
// members' certificates may come from a CA no longer trusted), never when a member's first certificate is added.
func ManagedTLSHash(s *corev1.Secret) string {
	uid := string(s.UID)
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return "orca-" + uid + "-" + strconv.Itoa(TLSEpoch(s))
}
