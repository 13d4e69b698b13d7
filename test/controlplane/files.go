package controlplane

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"

	_ "embed"
)

//go:embed kwok_nodes.yaml
var kwokNodeStages []byte

//go:embed kwok_pods.yaml
var kwokPodStages []byte

// AdminUser is the user of the admin kubeconfig: a static token in group system:masters.
const AdminUser = "orca-admin"

// writeFiles makes the CA, certificates, service-account key, token file, kubeconfigs and kwok config.
// It returns the admin token.
func writeFiles(l layout, p Ports, processImages []string) (string, error) {
	if err := os.MkdirAll(l.path("pki"), 0o700); err != nil {
		return "", fmt.Errorf("make pki folder: %w", err)
	}
	ca, err := NewCA("orca-controlplane-ca")
	if err != nil {
		return "", err
	}
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	files := map[string][]byte{
		l.caCert(): ca.CertPEM,
		l.caKey():  ca.KeyPEM,
		l.tokens(): fmt.Appendf(nil, "%s,%s,%s,\"system:masters\"\n", token, AdminUser, AdminUser),
		l.path("kwok.yaml"): append(append(append([]byte{}, kwokNodeStages...), "\n---\n"...),
			kwokPodStagesSkipping(processImages)...),
	}
	if files[l.saKey()], err = NewSigningKey(); err != nil {
		return "", err
	}
	if err := issueCerts(ca, l, files); err != nil {
		return "", err
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
	}
	server := loopbackURL("https", p.APIServer)
	if err := writeKubeconfig(l.adminKubeconfig(), server, ca.CertPEM,
		credentials{user: AdminUser, token: token}); err != nil {
		return "", err
	}
	for _, user := range []string{"kube-controller-manager", "kube-scheduler"} {
		cred := credentials{user: "system:" + user, certPEM: files[l.cert(user)], keyPEM: files[l.key(user)]}
		if err := writeKubeconfig(l.kubeconfig(user), server, ca.CertPEM, cred); err != nil {
			return "", err
		}
	}
	return token, nil
}

// kwokPodStagesSkipping returns kwok's pod stages with one more requirement in every stage's selector: no
// container of the pod runs one of images (kwok's NotIn on '.spec.containers[].image' is true when none of the
// images the expression yields is in the list). Such pods match no stage at all: kwok leaves their status and
// their deletion to whatever runs them. Every pod stage in kwok_pods.yaml has a "    matchExpressions:" line.
func kwokPodStagesSkipping(images []string) []byte {
	if len(images) == 0 {
		return kwokPodStages
	}
	values, _ := json.Marshal(images) // a JSON array of strings is a YAML flow sequence
	requirement := "    matchExpressions:\n" +
		"    - key: '.spec.containers[].image'\n" +
		"      operator: 'NotIn'\n" +
		"      values: " + string(values) + "\n"
	return bytes.ReplaceAll(kwokPodStages, []byte("    matchExpressions:\n"), []byte(requirement))
}

// issueCerts adds the apiserver serving certificate, the controller-manager and scheduler client
// certificates (their RBAC users) and their serving certificates to files.
func issueCerts(ca *CA, l layout, files map[string][]byte) error {
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	reqs := map[string]CertRequest{
		"apiserver": {
			CommonName: "kube-apiserver",
			DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
				"kubernetes.default.svc.cluster.local"},
			IPs: append(loopback, net.ParseIP(KubernetesServiceIP)),
		},
		"kube-controller-manager":         {CommonName: "system:kube-controller-manager", Client: true},
		"kube-scheduler":                  {CommonName: "system:kube-scheduler", Client: true},
		"kube-controller-manager-serving": {CommonName: "kube-controller-manager", IPs: loopback},
		"kube-scheduler-serving":          {CommonName: "kube-scheduler", IPs: loopback},
	}
	for name, req := range reqs {
		cert, key, err := ca.Issue(req)
		if err != nil {
			return err
		}
		files[l.cert(name)], files[l.key(name)] = cert, key
	}
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// freePorts reserves n distinct free loopback ports. They are released before use, so another
// program could take one in between: a start that fails on a taken port says so in the log.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		listeners = append(listeners, lis)
		ports = append(ports, lis.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
