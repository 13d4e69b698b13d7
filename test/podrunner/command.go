package podrunner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// errStart is a container command the runtime cannot start (StartError, exit code 128).
var errStart = errors.New("start container")

// defaultPath is the PATH of a distroless image such as Orca's.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// sandbox is what the containers of one pod share: its folder, loopback address and volume folders.
type sandbox struct {
	Dir     string
	Address string
	Volumes map[string]string // volume name -> folder (or file) on this machine
	// APIServer is the kube-apiserver's URL, for the processes of pods with ServiceAccount credentials.
	APIServer string
}

func (s sandbox) home() string { return filepath.Join(s.Dir, "home") }
func (s sandbox) tmp() string  { return filepath.Join(s.Dir, "tmp") }
func (s sandbox) root() string { return filepath.Join(s.Dir, "root") }

// terminationLog is where a container's terminationMessagePath lands: one file per container, read into the
// terminated state's message as the kubelet does.
func (s sandbox) terminationLog(container string) string {
	return filepath.Join(s.Dir, "termination", container)
}

// terminationPath is the container's terminationMessagePath, the API's default when unset.
func terminationPath(c *corev1.Container) string {
	if c.TerminationMessagePath != "" {
		return c.TerminationMessagePath
	}
	return corev1.TerminationMessagePathDefault
}

// maxTerminationMessage is what the kubelet keeps of a termination message file (4096 bytes).
const maxTerminationMessage = 4096

// mounts lists the container's volume mounts with the folder each is materialised in (a subPath points inside
// it, created as the kubelet creates it when missing).
func (s sandbox) mounts(c *corev1.Container, env []envVar) ([]mount, error) {
	tl := s.terminationLog(c.Name)
	if err := os.MkdirAll(filepath.Dir(tl), 0o755); err != nil {
		return nil, fmt.Errorf("make termination log folder: %w", err)
	}
	_ = os.Remove(tl) // a restarted container starts without its predecessor's message
	out := make([]mount, 0, len(c.VolumeMounts)+1)
	out = append(out, mount{Path: terminationPath(c), Host: tl})
	for _, vm := range c.VolumeMounts {
		host, ok := s.Volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("%w: no volume %q for mount %s", errConfig, vm.Name, vm.MountPath)
		}
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr, lookup(env))
		}
		if sub != "" {
			host = filepath.Join(host, filepath.Clean("/"+sub))
			if _, err := os.Stat(host); os.IsNotExist(err) {
				if err := os.MkdirAll(host, 0o755); err != nil {
					return nil, fmt.Errorf("make subPath %s: %w", sub, err)
				}
			}
		}
		out = append(out, mount{Path: vm.MountPath, Host: host})
	}
	return out, nil
}

// buildExec turns a container into the process the runner starts: the image's binary with the container's
// command and args ($(VAR) expanded with env, mount paths rewritten to the pod's folders), env (plus PATH,
// HOSTNAME, HOME and TMPDIR as the image and runtime would set them, unless env sets them), and the working
// folder. A command other than the image's entrypoint wraps errStart.
func buildExec(img Image, pod *corev1.Pod, c *corev1.Container, env []envVar, sb sandbox, log string) (execSpec,
	error) {
	ms, err := sb.mounts(c, env)
	if err != nil {
		return execSpec{}, err
	}
	kubeconfig, err := apiKubeconfig(sb, c, ms, pod.Namespace)
	if err != nil {
		return execSpec{}, err
	}
	rw := newPathRewriter(ms)
	value := lookup(env)
	command := make([]string, 0, len(c.Command)+len(c.Args)+1)
	for _, s := range c.Command {
		command = append(command, expand(s, value))
	}
	if len(command) == 0 {
		command = append(command, img.entrypoint())
	}
	for _, s := range c.Args {
		command = append(command, expand(s, value))
	}
	argv, err := imageCommand(img, c.Image, command, rw)
	if err != nil {
		return execSpec{}, err
	}
	vars := []envVar{{"PATH", defaultPath}, {"HOSTNAME", pod.Name}, {"HOME", sb.home()}, {"TMPDIR", sb.tmp()}}
	if kubeconfig != "" {
		vars = append(vars, envVar{"KUBECONFIG", kubeconfig})
	}
	vars = append(vars, env...)
	dir := sb.root()
	if c.WorkingDir != "" {
		if dir = rw.rewrite(c.WorkingDir); dir == c.WorkingDir {
			dir = filepath.Join(sb.root(), filepath.Clean("/"+c.WorkingDir))
		}
	}
	for _, d := range []string{sb.home(), sb.tmp(), dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return execSpec{}, fmt.Errorf("make container folder: %w", err)
		}
	}
	return execSpec{Path: img.Binary, Argv: argv, Env: environ(vars, rw), Dir: dir, Log: log,
		img: img, image: c.Image, rw: rw, terminationLog: sb.terminationLog(c.Name),
		fallbackToLogs: c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError}, nil
}

// imageCommand checks that a command names one of the image's programs and rewrites the mount paths in its
// arguments.
func imageCommand(img Image, image string, command []string, rw pathRewriter) ([]string, error) {
	if len(command) == 0 || !img.runs(command[0]) {
		name := ""
		if len(command) > 0 {
			name = command[0]
		}
		held := append([]string{img.entrypoint()}, img.Programs...)
		return nil, fmt.Errorf("%w: exec: %q: no such file in image %s (it holds %s only)", errStart, name, image,
			strings.Join(held, ", "))
	}
	return append([]string{command[0]}, rw.rewriteAll(command[1:])...), nil
}

// inContainer is another command run in the same container (an exec probe): same binary, environment and
// working folder, its own log.
func (s execSpec) inContainer(command []string, log string) (execSpec, error) {
	argv, err := imageCommand(s.img, s.image, command, s.rw)
	if err != nil {
		return execSpec{}, err
	}
	s.Argv, s.Log = argv, log
	return s, nil
}

// environ renders variables as KEY=value, the last of a name winning, values' mount paths rewritten.
func environ(vars []envVar, rw pathRewriter) []string {
	last := map[string]int{}
	for i, v := range vars {
		last[v.Name] = i
	}
	out := make([]string, 0, len(last))
	for i, v := range vars {
		if last[v.Name] == i {
			out = append(out, v.Name+"="+rw.rewrite(v.Value))
		}
	}
	return out
}

// envValue returns a variable's value in an environment built by environ.
func envValue(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}
