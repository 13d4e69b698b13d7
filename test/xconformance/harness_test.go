package xconformance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// requireConnector fails (never skips) when node or the pinned connector is missing.
func requireConnector(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: run make test-deps (hack/npm.sh): %v", err)
	}
	if _, err := os.Stat("node_modules/@mysql/xdevapi/package.json"); err != nil {
		t.Fatalf("@mysql/xdevapi not installed in test/xconformance: run make test-deps (hack/npm.sh): %v", err)
	}
}

// member is our server side on 127.0.0.1:0 with TLS offered and three accounts.
type member struct {
	srv  *xserver.Server
	addr string
	port int
}

const (
	nativeUser, nativePassword = "native", "n-pw"
	sha2User, sha2Password     = "sha2", "s-pw"
)

func startMember(t *testing.T) *member {
	t.Helper()
	srv := &xserver.Server{
		Handler: xserver.HandlerFunc(memberHandler),
		Credentials: xserver.NewStaticCredentials(
			xserver.Account{User: nativeUser, Password: nativePassword, Plugin: wire.PluginNativePassword},
			xserver.Account{User: sha2User, Password: sha2Password, Plugin: wire.PluginCachingSHA2}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.Serve(l) }()
	<-started
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &member{srv: srv, addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "member-0"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// nodeConnect is the connection part of a client.js spec.
type nodeConnect struct {
	Host     string          `json:"host"`
	Port     int             `json:"port"`
	User     string          `json:"user"`
	Password string          `json:"password"`
	Auth     string          `json:"auth,omitempty"`
	TLS      map[string]bool `json:"tls"`
}

type nodeStep struct {
	SQL  string `json:"sql,omitempty"`
	Args []any  `json:"args,omitempty"`
	Ping bool   `json:"ping,omitempty"`
}

type nodeError struct {
	Code    *int   `json:"code"`
	Message string `json:"message"`
}

type nodeSet struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows [][]json.RawMessage `json:"rows"`
}

type nodeResult struct {
	Sets     []nodeSet `json:"sets"`
	Affected int       `json:"affected"`
	InsertID int       `json:"insertId"`
	Warnings []struct {
		Level int    `json:"level"`
		Code  int    `json:"code"`
		Msg   string `json:"msg"`
	} `json:"warnings"`
	Ping  bool       `json:"ping"`
	Error *nodeError `json:"error"`
}

type nodeOutput struct {
	OK    bool         `json:"ok"`
	Error *nodeError   `json:"error"`
	Steps []nodeResult `json:"steps"`
}

func (m *member) nodeConnect(user, password, auth string, useTLS bool) nodeConnect {
	return nodeConnect{Host: "127.0.0.1", Port: m.port, User: user, Password: password, Auth: auth,
		TLS: map[string]bool{"enabled": useTLS}}
}

// runNode runs client.js with the spec and decodes its one-line JSON answer.
func runNode(t *testing.T, c nodeConnect, steps ...nodeStep) nodeOutput {
	t.Helper()
	spec, err := json.Marshal(map[string]any{"connect": c, "steps": steps})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.js", string(spec))
	var stderr []byte
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		stderr = ee.Stderr
	}
	var o nodeOutput
	if jerr := json.Unmarshal(out, &o); jerr != nil {
		t.Fatalf("node client.js: %v / %v\nstdout: %s\nstderr: %s", err, jerr, out, stderr)
	}
	return o
}
