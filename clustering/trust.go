package clustering

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// readTrust reads how the members' certificates are verified: the trust bundle (ca.crt of the trust Secret)
// and, with a user's certificate that is not valid for every member's name, the name it is valid for instead
// (the controller's TLSReady says so). Members are dialled by their stable names (info.Hosts).
func (l *loop) readTrust(ctx context.Context, c *v1.InnoDBCluster, hosts []string) (tlsca.Trust, error) {
	if specs.ManagedTLS(c) {
		trust, err := l.readSecret(ctx, l.m.Client, specs.TrustSecretName(c)) // Orca's: in the cache
		if err != nil {
			return tlsca.Trust{}, fmt.Errorf("read the members' trust bundle: %w", err)
		}
		return tlsca.Trust{Bundle: trust.Data[specs.KeyCACert]}, nil
	}
	// The user's Secrets are not in the cache (it holds Orca's own only).
	reader := client.Reader(l.m.Client)
	if l.m.APIReader != nil {
		reader = l.m.APIReader
	}
	trust, err := l.readSecret(ctx, reader, specs.TrustSecretName(c))
	if err != nil {
		return tlsca.Trust{}, fmt.Errorf("read the members' trust bundle: %w", err)
	}
	srv, err := l.readSecret(ctx, reader, specs.ServerTLSSecretName(c))
	if err != nil {
		return tlsca.Trust{}, fmt.Errorf("read the members' certificate: %w", err)
	}
	cert, err := tlsca.ParseCert(srv.Data[specs.KeyTLSCert])
	if err != nil {
		return tlsca.Trust{}, fmt.Errorf("secret %s: %w", srv.Name, err)
	}
	return tlsca.TrustFor(trust.Data[specs.KeyCACert], cert.DNSNames, hosts), nil
}
