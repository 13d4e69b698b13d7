package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// clientTrust is how a pod of Orca's image that dials hosts verifies the cluster's members: Orca's certificates
// name every member and client Service (VERIFY_IDENTITY for the name dialled); a user's certificate that does not
// name them all is checked against its own first name instead (tlsca.TrustFor), as the routers do. The user's
// Secret is read with reader, uncached (the cache holds Orca's own Secrets only).
func clientTrust(ctx context.Context, reader client.Reader, c *v1.InnoDBCluster,
	hosts ...string) (specs.ClientTrust, error) {
	if specs.ManagedTLS(c) {
		return specs.ClientTrustOf(c, ""), nil
	}
	var s corev1.Secret
	name := specs.ServerTLSSecretName(c)
	if err := reader.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, &s); err != nil {
		return specs.ClientTrust{}, fmt.Errorf("get secret %s: %w", name, err)
	}
	cert, err := tlsca.ParseCert(s.Data[specs.KeyTLSCert])
	if err != nil {
		return specs.ClientTrust{}, fmt.Errorf("secret %s: %w", name, err)
	}
	return specs.ClientTrustOf(c, tlsca.TrustFor(nil, cert.DNSNames, hosts).ServerName), nil
}
