package controlplane

import "time"

// Options configure Start. The zero value starts etcd and kube-apiserver only (like envtest).
type Options struct {
	// Simulated also starts kube-controller-manager, kube-scheduler and kwok, registers fake nodes,
	// a default no-provisioner StorageClass and pre-made PersistentVolumes: Deployments, StatefulSets,
	// Jobs and PVC binding then work, with pods simulated by kwok (nothing runs in them).
	Simulated bool
	// Dir holds certificates, etcd data, kubeconfigs and one <component>.log per process.
	// Empty: a new temporary folder that Stop removes. A given folder is kept.
	Dir string
	// Detach starts every process in its own session so that it outlives this program (the playground).
	Detach bool
	// Build runs hack/controlplane.sh when binaries are missing (about 15 minutes once) instead of failing.
	Build bool
	// Nodes is the number of fake nodes (Simulated only). Default 3, in zones zone-a, zone-b, zone-c, ...
	Nodes int
	// Volumes is the number of pre-made PersistentVolumes (Simulated only). Default 24.
	Volumes int
	// VolumeCapacity is the capacity of each pre-made PersistentVolume. Default "100Gi".
	VolumeCapacity string
	// PodCIDR is the range of the fake pod IPs (kwok's --cidr). Default DefaultPodCIDR. Each fake node gets
	// its own part of it as spec.podCIDR (NodePodCIDRs: node i the i-th /24), and kwok gives a pod an IP from
	// its node's range. IPv4 only. These addresses are fake and private: nothing may dial them (tests map
	// member names to 127.0.0.N through a dialer instead).
	PodCIDR string
	// ProcessImages are images whose pods something else runs as real local processes (test/podrunner, for
	// Orca's own image): kwok's pod stages match no pod that has a container (init containers do not count)
	// running one of them, so kwok never marks such a pod Running or Ready, never completes it and never deletes
	// it; the runner plays the kubelet for it. Empty: kwok plays every pod (Simulated only).
	ProcessImages []string
	// ExtraArgs are appended to a component's flags, keyed by process name ("kube-apiserver", "etcd",
	// "kube-controller-manager", "kube-scheduler", "kwok"); a repeated flag overrides the default.
	ExtraArgs map[string][]string
	// StartTimeout bounds the whole start. Default 90s.
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL. Default 5s.
	StopGrace time.Duration
}

// Fixed network settings of every control plane.
const (
	// ServiceClusterIPRange is the apiserver's --service-cluster-ip-range.
	ServiceClusterIPRange = "10.96.0.0/16"
	// KubernetesServiceIP is the first address of ServiceClusterIPRange (the kubernetes Service).
	KubernetesServiceIP = "10.96.0.1"
	// StorageClassName is the default StorageClass of a simulated control plane.
	StorageClassName = "standard"
	// FakeNodeAnnotation marks the nodes kwok manages.
	FakeNodeAnnotation = "kwok.x-k8s.io/node"
	// DefaultPodCIDR is the default range of the fake pod IPs (never dialed).
	DefaultPodCIDR = "10.244.0.0/16"
)

func (o Options) withDefaults() Options {
	if o.Nodes <= 0 {
		o.Nodes = 3
	}
	if o.Volumes <= 0 {
		o.Volumes = 24
	}
	if o.VolumeCapacity == "" {
		o.VolumeCapacity = "100Gi"
	}
	if o.PodCIDR == "" {
		o.PodCIDR = DefaultPodCIDR
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 90 * time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 5 * time.Second
	}
	return o
}
