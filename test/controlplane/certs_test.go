package controlplane_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"

	"github.com/orca-operator/orca/test/controlplane"
)

func TestIssuedCertificatesChainToTheCA(t *testing.T) {
	ca, err := controlplane.NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("CA certificate lacks the CA bit or cert-sign usage")
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, tc := range []struct {
		req   controlplane.CertRequest
		usage x509.ExtKeyUsage
		host  string
	}{
		{controlplane.CertRequest{CommonName: "kube-apiserver", DNSNames: []string{"kubernetes.default.svc"},
			IPs: []net.IP{net.ParseIP("127.0.0.1")}}, x509.ExtKeyUsageServerAuth, "127.0.0.1"},
		{controlplane.CertRequest{CommonName: "system:kube-scheduler", Organizations: []string{"g"}, Client: true},
			x509.ExtKeyUsageClientAuth, ""},
	} {
		certPEM, keyPEM, err := ca.Issue(tc.req)
		if err != nil {
			t.Fatalf("issue %s: %v", tc.req.CommonName, err)
		}
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			t.Fatalf("%s: key does not match certificate: %v", tc.req.CommonName, err)
		}
		block, _ := pem.Decode(certPEM)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: tc.host, KeyUsages: []x509.ExtKeyUsage{tc.usage}})
		if err != nil {
			t.Errorf("%s does not verify against the CA: %v", tc.req.CommonName, err)
		}
		if cert.Subject.CommonName != tc.req.CommonName {
			t.Errorf("CN %q, want %q", cert.Subject.CommonName, tc.req.CommonName)
		}
	}
}
