// Package controlplane starts a real Kubernetes control plane on 127.0.0.1 from binaries built by
// hack/controlplane.sh: etcd and kube-apiserver (like envtest) and, when simulated, kube-controller-manager,
// kube-scheduler and kwok, which plays the kubelet for fake nodes. Deployments, StatefulSets, Jobs and
// PVC binding behave as in a cluster; pods only get a simulated status (nothing runs in them).
//
// Each fake node has its own pod range (spec.podCIDR, the i-th /24 of Options.PodCIDR: NodePodCIDRs), and kwok
// gives a pod an IP from its node's range. These IPs are private and fake: nothing here dials them, and tests
// reach simulated MySQL members through a dialer that maps member names to 127.0.0.N.
//
// kwok's pod stages (kwok_pods.yaml) play the kubelet for pods in which nothing runs. A container with a readiness
// or startup probe starts not ready; whatever plays its process (test/simworld for MySQL members) marks it ready
// and owns its status from then on: once a pod is Running, kwok only follows its readiness gates (with optimistic
// concurrency) and deletes it. Pods with a container running one of Options.ProcessImages match no kwok stage at
// all: test/podrunner runs them as real processes and plays their kubelet.
//
// The process helpers (StartProcess, ProcessRecord, State) are shared with the end-to-end harness and
// the playground, which start more processes next to the control plane.
package controlplane
