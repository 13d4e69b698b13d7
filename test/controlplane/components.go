package controlplane

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Ports are the loopback ports of one control plane, all chosen free at start.
type Ports struct {
	EtcdClient        int `json:"etcdClient"`
	EtcdPeer          int `json:"etcdPeer"`
	APIServer         int `json:"apiServer"`
	ControllerManager int `json:"controllerManager,omitempty"`
	Scheduler         int `json:"scheduler,omitempty"`
}

// layout names the files of a control plane under its Dir.
type layout struct{ dir string }

func (l layout) path(name string) string { return filepath.Join(l.dir, name) }
func (l layout) caCert() string          { return l.path("pki/ca.crt") }
func (l layout) caKey() string           { return l.path("pki/ca.key") }
func (l layout) cert(name string) string { return l.path("pki/" + name + ".crt") }
func (l layout) key(name string) string  { return l.path("pki/" + name + ".key") }
func (l layout) saKey() string           { return l.path("pki/sa.key") }
func (l layout) tokens() string          { return l.path("pki/tokens.csv") }
func (l layout) kubeconfig(user string) string {
	return l.path(user + ".kubeconfig")
}
func (l layout) adminKubeconfig() string { return l.path("kubeconfig") }

func loopbackURL(scheme string, port int) string {
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
}

func etcdArgs(l layout, p Ports) []string {
	peer := loopbackURL("http", p.EtcdPeer)
	client := loopbackURL("http", p.EtcdClient)
	return []string{
		"--name=default",
		"--data-dir=" + l.path("etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=default=" + peer,
		"--unsafe-no-fsync=true", // throwaway data: speed over durability
		"--log-level=warn",
	}
}

func apiServerArgs(l layout, p Ports) []string {
	return []string{
		"--etcd-servers=" + loopbackURL("http", p.EtcdClient),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.APIServer),
		"--cert-dir=" + l.path("apiserver-certs"),
		"--tls-cert-file=" + l.cert("apiserver"),
		"--tls-private-key-file=" + l.key("apiserver"),
		"--client-ca-file=" + l.caCert(),
		"--token-auth-file=" + l.tokens(),
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + l.saKey(),
		"--service-account-signing-key-file=" + l.saKey(),
		"--service-cluster-ip-range=" + ServiceClusterIPRange,
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
	}
}

func controllerManagerArgs(l layout, p Ports) []string {
	kc := l.kubeconfig("kube-controller-manager")
	return []string{
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.ControllerManager),
		"--tls-cert-file=" + l.cert("kube-controller-manager-serving"),
		"--tls-private-key-file=" + l.key("kube-controller-manager-serving"),
		"--leader-elect=false",
		"--controllers=*",
		"--use-service-account-credentials=true",
		"--root-ca-file=" + l.caCert(),
		"--service-account-private-key-file=" + l.saKey(),
		"--cluster-signing-cert-file=" + l.caCert(),
		"--cluster-signing-key-file=" + l.caKey(),
		"--profiling=false",
	}
}

func schedulerArgs(l layout, p Ports) []string {
	kc := l.kubeconfig("kube-scheduler")
	return []string{
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.Scheduler),
		"--tls-cert-file=" + l.cert("kube-scheduler-serving"),
		"--tls-private-key-file=" + l.key("kube-scheduler-serving"),
		"--leader-elect=false",
		"--profiling=false",
	}
}

// kwokArgs leave kwok's own server off (no --server-address, no --node-port): nothing listens for it.
// Nodes report 127.0.0.1 as their address so that anything reaching for a "kubelet" stays on loopback.
// --cidr is only kwok's fallback: every fake node has its own spec.podCIDR inside it, and kwok's PodIPWith
// takes a pod's IP from its node's range.
func kwokArgs(l layout, podCIDR string) []string {
	return []string{
		"--kubeconfig=" + l.adminKubeconfig(),
		"--config=" + l.path("kwok.yaml"),
		"--manage-nodes-with-annotation-selector=" + FakeNodeAnnotation + "=fake",
		"--node-ip=127.0.0.1",
		"--cidr=" + podCIDR,
		"--node-lease-duration-seconds=40",
	}
}
