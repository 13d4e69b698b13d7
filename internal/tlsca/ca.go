package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 5280 method 1 key identifiers, not a security function
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// clockSkew back-dates NotBefore so a member whose clock runs a little behind accepts a fresh certificate.
const clockSkew = 5 * time.Minute

// KeyPair is a PEM certificate and its PEM (PKCS #8) private key.
type KeyPair struct {
	CertPEM, KeyPEM []byte
}

// NewCA generates a self-signed CA (ECDSA P-256) named commonName, valid from now for validity.
func NewCA(commonName string, now time.Time, validity time.Duration) (KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl, err := template(commonName, now, validity, &key.PublicKey)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.MaxPathLenZero = true, true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("create CA certificate: %w", err)
	}
	return encode(der, key)
}

// IssueCert issues a certificate for names (the first is also the common name) signed by ca, valid from now
// for validity, for both server and client authentication: a member is a client of its peers' group
// communication and of the donor in distributed recovery.
func IssueCert(ca KeyPair, names []string, now time.Time, validity time.Duration) (KeyPair, error) {
	if len(names) == 0 {
		return KeyPair{}, errors.New("issue certificate: no names")
	}
	caCert, caKey, err := ca.parse()
	if err != nil {
		return KeyPair{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate key: %w", err)
	}
	tmpl, err := template(names[0], now, validity, &key.PublicKey)
	if err != nil {
		return KeyPair{}, err
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip) // members addressed by IP (tests, bare hosts)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	tmpl.AuthorityKeyId = caCert.SubjectKeyId
	if tmpl.NotAfter.After(caCert.NotAfter) {
		tmpl.NotAfter = caCert.NotAfter // never outlive the CA: clients would refuse the chain
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return KeyPair{}, fmt.Errorf("sign certificate for %s: %w", names[0], err)
	}
	return encode(der, key)
}

func template(cn string, now time.Time, validity time.Duration, pub *ecdsa.PublicKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	raw, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	id := sha1.Sum(raw) //nolint:gosec // see import
	return &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"Orca"}},
		NotBefore: now.Add(-clockSkew), NotAfter: now.Add(validity), SubjectKeyId: id[:],
	}, nil
}

func encode(der []byte, key *ecdsa.PrivateKey) (KeyPair, error) {
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("marshal key: %w", err)
	}
	return KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}),
	}, nil
}

// parse decodes the pair as a CA: its certificate and signing key.
func (kp KeyPair) parse() (*x509.Certificate, any, error) {
	cert, err := ParseCert(kp.CertPEM)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(kp.KeyPEM)
	if block == nil {
		return nil, nil, errors.New("CA key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	return cert, key, nil
}

// ParseCert decodes the first certificate of a PEM bundle.
func ParseCert(pemBytes []byte) (*x509.Certificate, error) {
	certs, err := ParseBundle(pemBytes)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ParseBundle decodes every certificate of a PEM bundle; it fails on an empty bundle or a broken block.
func ParseBundle(pemBytes []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// InfoOf is the plain data Decide needs of a certificate.
func InfoOf(c *x509.Certificate) Info {
	return Info{Names: append([]string(nil), c.DNSNames...), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		KeyID: hex.EncodeToString(c.SubjectKeyId), IssuerKeyID: hex.EncodeToString(c.AuthorityKeyId)}
}

// Bundle is the trust bundle clients and members verify with: the current CA first, then every earlier CA
// that has not expired at now (members still serving certificates it signed stay verifiable while they roll).
func Bundle(current []byte, previous []byte, now time.Time) ([]byte, error) {
	out := append([]byte(nil), current...)
	if len(previous) == 0 {
		return out, nil
	}
	cur, err := ParseCert(current)
	if err != nil {
		return nil, err
	}
	old, err := ParseBundle(previous)
	if err != nil {
		return nil, fmt.Errorf("previous bundle: %w", err)
	}
	for _, c := range old {
		if now.Before(c.NotAfter) && !c.Equal(cur) {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
	}
	return out, nil
}

// Pool parses a PEM bundle into a certificate pool.
func Pool(bundle []byte) (*x509.CertPool, error) {
	certs, err := ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
