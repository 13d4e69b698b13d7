// Package controlplane starts a real Kubernetes control plane on 127.0.0.1 from binaries built by
// hack/controlplane.sh: etcd and kube-apiserver (like envtest) and, when simulated, kube-controller-manager,
// kube-scheduler and kwok, which plays the kubelet for fake nodes. Deployments, StatefulSets, Jobs and
// PVC binding behave as in a cluster; pods only get a simulated status (nothing runs in them).
//
// The pod IPs kwok assigns come from a private range and are fake: nothing here dials them, and tests
// reach simulated MySQL members through a dialer that maps member names to 127.0.0.N.
//
// The process helpers (StartProcess, ProcessRecord, State) are shared with the end-to-end harness and
// the playground, which start more processes next to the control plane.
package controlplane
