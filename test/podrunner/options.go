package podrunner

import (
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
)

// DefaultBaseAddress is the loopback address of the first pod the runner runs; the next ones count up from it.
// It is far from simworld's default (127.0.0.2 up) so both run side by side.
const DefaultBaseAddress = "127.0.100.2"

// DefaultEntrypoint is the program of Orca's image: the path a pod's command names.
const DefaultEntrypoint = "/orca"

// FieldManager is the field manager of the pod status the runner writes, as the kubelet would.
const FieldManager = "podrunner-kubelet"

// Image is an image whose containers the runner runs as local processes.
type Image struct {
	// Binary is the local executable that plays the image's program (for Orca's image, the `orca` binary built
	// from this checkout: BuildOrca). Required.
	Binary string
	// Entrypoint is the program's path in the image: a pod's command must name it (or its base name), and an empty
	// command runs it. Default DefaultEntrypoint. Any other command fails to start as it would in the real image,
	// which holds nothing else (StartError, exit code 128).
	Entrypoint string
	// Programs are the image's other programs (by path or base name), such as the mysqladmin of an exec probe:
	// a command naming one runs Binary too, with the program's name as its first argument. Default none.
	Programs []string
	// InitOnly plays the image only in init containers (native sidecars included) of pods the runner runs for
	// another image: no pod becomes the runner's because of it, and its main containers are left to kwok. For the
	// MySQL image, whose member pods simworld plays while the restore-verify Job's scratch sidecar needs a real
	// server.
	InitOnly bool
}

// runs reports whether command[0] names the entrypoint or one of the image's programs.
func (i Image) runs(program string) bool {
	if program == i.entrypoint() || program == path.Base(i.entrypoint()) {
		return true
	}
	for _, p := range i.Programs {
		if program == p || program == path.Base(p) {
			return true
		}
	}
	return false
}

func (i Image) entrypoint() string {
	if i.Entrypoint == "" {
		return DefaultEntrypoint
	}
	return i.Entrypoint
}

// Options configure Start.
type Options struct {
	// Config reaches the kube-apiserver. Required.
	Config *rest.Config
	// Images are the images the runner plays, by image name exactly as pods name it (the operator's
	// --orca-image, "orca:e2e" in the end-to-end tests). A pod is the runner's when one of its containers (init
	// containers do not count) runs one of them; its other containers run nothing and are shown as kwok shows
	// them (init containers completed, containers running, ready unless they have probes). Required. Start the
	// control plane with the same names in controlplane.Options.ProcessImages so that kwok leaves the pods alone.
	Images map[string]Image
	// MemberMap is the JSON map of member names to loopback addresses the processes dial members through
	// (simworld.Options.MapFile), given to them in ORCA_DEV_MEMBER_MAP. Empty: the variable is not set.
	MemberMap string
	// ServiceMap is the JSON map of Service addresses to loopback addresses (serviceproxy.Options.MapFile), given
	// to the processes in ORCA_DEV_SERVICE_MAP. Empty: the variable is not set.
	ServiceMap string
	// BaseAddress is the first pod loopback address. Default DefaultBaseAddress. Addresses on which one of the
	// pod's declared container ports is already taken are skipped.
	BaseAddress string
	// Dir holds a folder per pod (volumes, working folder, HOME, TMPDIR: removed with the pod), the container logs
	// (logs/<namespace>_<pod>_<uid>/<container>/<n>.log, kept until Stop), persistent volumes
	// (persistent/<PersistentVolume>, kept) and host paths (hosts/<node>/...). Empty: a new temporary folder that
	// Stop removes.
	Dir string
	// AddressFile, when set, receives the pods' loopback addresses as JSON ({"namespace/pod": "127.x.y.N"}),
	// rewritten on every change, for tools in other processes.
	AddressFile string
	// RestartDelay is the kubelet's back-off before a container that exited is started again (restartPolicy
	// Always, or OnFailure after a failure). The status shows the termination for the first half of it and
	// waiting/CrashLoopBackOff for the second. Constant (the kubelet's back-off doubles up to 5 minutes).
	// Default 1s.
	RestartDelay time.Duration
	// ProbePeriod, when set, is how often every probe with a longer periodSeconds checks, its failure threshold
	// scaled to match: a container turns Ready (or started) within ProbePeriod of passing, while a failure must
	// still last as long as with the probe's own period before it counts (the router's readiness 2 s x 2, its
	// liveness 10 s x 30). Default: each probe's own period.
	ProbePeriod time.Duration
	// StopGrace is how long Stop lets each process handle SIGTERM before SIGKILL. Default 2s.
	StopGrace time.Duration
	// Logger receives what the runner does. Default: discards.
	Logger logr.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Config == nil {
		return o, errors.New("podrunner: Options.Config is required")
	}
	if len(o.Images) == 0 {
		return o, errors.New("podrunner: Options.Images is required")
	}
	for name, img := range o.Images {
		if img.Binary == "" {
			return o, fmt.Errorf("podrunner: image %q has no Binary", name)
		}
		if !path.IsAbs(img.entrypoint()) {
			return o, fmt.Errorf("podrunner: image %q: entrypoint %q is not an absolute path", name, img.Entrypoint)
		}
	}
	if o.BaseAddress == "" {
		o.BaseAddress = DefaultBaseAddress
	}
	if o.RestartDelay <= 0 {
		o.RestartDelay = time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 2 * time.Second
	}
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	return o, nil
}
