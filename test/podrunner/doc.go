// Package podrunner plays the kubelet, for real, for the pods of a kwok-simulated control plane that run Orca's
// own image (routers, migration pods; backup and restore Jobs later): each container of such a pod
// runs as a local process of the image's binary (the real `orca`), with the pod's command, args and environment
// (valueFrom Secrets, ConfigMaps, field and resource references resolved), its Secret, ConfigMap, downward API,
// projected and emptyDir volumes materialised in a folder of the pod, and its probes played against the pod's own
// loopback address. A container's terminationMessagePath is a file of the pod (its message, or the log's end
// under FallbackToLogsOnError, goes into the status), and a container with its ServiceAccount's credentials
// mounted gets KUBECONFIG pointing at them: it acts on the apiserver as that ServiceAccount. The process's exit
// becomes the container's status and the pod's phase (so the Job and Deployment controllers and Orca see real
// completions, failures and restarts), and deleting the pod stops the process (SIGTERM, then SIGKILL after the
// grace period) before the runner deletes the pod object, as the kubelet does.
//
// kwok must leave these pods alone: start the control plane with controlplane.Options.ProcessImages listing the
// same images. Each pod gets a fake pod IP from its node's pod range in its status (for EndpointSlices; never
// dialled) and, separately, a loopback address 127.x.y.N that its processes listen on: the runner gives it to them
// in ORCA_DEV_BIND_ADDRESS, with the member map of the simulated MySQL members in ORCA_DEV_MEMBER_MAP and the
// Service map of test/serviceproxy in ORCA_DEV_SERVICE_MAP, and publishes it (Runner.Address,
// Options.AddressFile) for test/serviceproxy and the playground.
package podrunner
