package simworld

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// podRefs is what a member pod says about its mysqld: where its configuration and root password come from,
// and the flags of its `orca init` container.
type podRefs struct {
	// Cluster is the InnoDBCluster (the pod's mysql.orca.dev/cluster label).
	Cluster string
	// ConfigMap holds the shared my.cnf (the pod's mycnf volume).
	ConfigMap string
	// Secret and SecretKey hold the root password (MYSQL_ROOT_PASSWORD of the mysql container).
	Secret, SecretKey string
	// Claim is the data PersistentVolumeClaim ("" when the datadir volume is not a claim).
	Claim string
	// Image is the mysql container's image.
	Image string
	// SkipTZInfo is set when the mysql container's MYSQL_INITDB_SKIP_TZINFO is not empty: the image's entrypoint
	// then does not load the time zone tables on the first start.
	SkipTZInfo bool
	// Supervised is set when the mysql container declares a supervisor (MYSQLD_PARENT_PID, as Oracle's operator
	// does): RESTART and the restart after a clone then work. The official image runs mysqld as PID 1 without
	// one, so they fail with ER 3707 and the container restart brings mysqld back.
	Supervised bool
	// Init are the settings of `orca init`.
	Init initFlags
	// SecretMounts are the mysql container's Secret volumes: what mysqld finds under each mount path.
	SecretMounts []secretMount
}

// initFlags are the `orca init` flags that shape the per-member options.
type initFlags struct {
	BaseServerID int64
	Service      string
	ClusterZone  string
	// TLSMemberCerts: the member uses <pod>.crt and <pod>.key of the TLS volume (specs.RenderMemberTLSCnf).
	TLSMemberCerts bool
}

// readPod collects the references of a member pod built by specs.StatefulSet.
func readPod(pod *corev1.Pod) (podRefs, error) {
	r := podRefs{Cluster: pod.Labels[v1.LabelCluster]}
	if r.Cluster == "" {
		return r, fmt.Errorf("pod %s has no %s label", pod.Name, v1.LabelCluster)
	}
	for _, vol := range pod.Spec.Volumes {
		switch {
		case vol.Name == specs.ConfigVolume && vol.ConfigMap != nil:
			r.ConfigMap = vol.ConfigMap.Name
		case vol.Name == specs.DatadirVolume && vol.PersistentVolumeClaim != nil:
			r.Claim = vol.PersistentVolumeClaim.ClaimName
		}
	}
	if r.ConfigMap == "" {
		return r, fmt.Errorf("pod %s has no %s ConfigMap volume", pod.Name, specs.ConfigVolume)
	}
	ctr := findContainer(pod.Spec.Containers, specs.ContainerMySQL)
	if ctr == nil {
		return r, fmt.Errorf("pod %s has no %s container", pod.Name, specs.ContainerMySQL)
	}
	r.Image = ctr.Image
	r.readEnv(ctr.Env)
	r.SecretMounts = secretMounts(pod.Spec.Volumes, ctr.VolumeMounts)
	if r.Secret == "" {
		return r, fmt.Errorf("pod %s: MYSQL_ROOT_PASSWORD does not come from a Secret", pod.Name)
	}
	init := findContainer(pod.Spec.InitContainers, specs.ContainerInit)
	if init == nil {
		return r, fmt.Errorf("pod %s has no %s init container", pod.Name, specs.ContainerInit)
	}
	var err error
	if r.Init, err = parseInitFlags(append(append([]string(nil), init.Command...), init.Args...)); err != nil {
		return r, fmt.Errorf("pod %s: %w", pod.Name, err)
	}
	return r, nil
}

// readEnv reads what the official image's entrypoint takes from the mysql container's environment.
func (r *podRefs) readEnv(env []corev1.EnvVar) {
	for _, e := range env {
		switch {
		case e.Name == "MYSQL_ROOT_PASSWORD" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			r.Secret, r.SecretKey = e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key
		case e.Name == "MYSQLD_PARENT_PID" && (e.Value != "" || e.ValueFrom != nil):
			r.Supervised = true
		case e.Name == "MYSQL_INITDB_SKIP_TZINFO" && e.Value != "":
			r.SkipTZInfo = true
		}
	}
}

func findContainer(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// parseInitFlags reads the flags of an `orca init` command line ("/orca init --base-server-id 1000 ..."), with
// the same defaults as the command.
func parseInitFlags(argv []string) (initFlags, error) {
	i := 0
	for i < len(argv) && argv[i] != "init" {
		i++
	}
	if i == len(argv) {
		return initFlags{}, fmt.Errorf("init container does not run `orca init`: %q", argv)
	}
	f := initFlags{}
	fs := flag.NewFlagSet("orca init", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int64Var(&f.BaseServerID, "base-server-id", 1000, "")
	fs.StringVar(&f.Service, "service", "", "")
	fs.StringVar(&f.ClusterZone, "cluster-zone", specs.ClusterZone, "")
	fs.String("template-dir", "", "")
	fs.String("output-dir", "", "")
	fs.BoolVar(&f.TLSMemberCerts, "tls-member-certs", false, "")
	if err := fs.Parse(argv[i+1:]); err != nil {
		return initFlags{}, fmt.Errorf("parse `orca init` flags: %w", err)
	}
	if f.Service == "" {
		return initFlags{}, fmt.Errorf("`orca init` has no --service")
	}
	return f, nil
}

// memberHost is the pod's stable DNS name, as `orca init` computes it (specs.MemberHost).
func memberHost(pod, namespace string, f initFlags) string {
	return fmt.Sprintf("%s.%s.%s.svc.%s", pod, f.Service, namespace, f.ClusterZone)
}

// imageVersion is the server version an image tag names: "mysql:8.4.3" and
// "registry:5000/mysql/community-server:8.4.3@sha256:..." give "8.4.3". Without a version tag, "" (the
// simulator's default version).
func imageVersion(image string) string {
	image, _, _ = strings.Cut(image, "@")
	i := strings.LastIndexByte(image, ':')
	if i < 0 || strings.ContainsRune(image[i:], '/') {
		return ""
	}
	tag := image[i+1:]
	// Tags like "8.4.3-oraclelinux9" name the same server.
	if j := strings.IndexAny(tag, "-_"); j > 0 {
		tag = tag[:j]
	}
	if tag == "" || tag[0] < '0' || tag[0] > '9' {
		return "" // "latest" names no version
	}
	return tag
}

// memberInput is everything a member's first boot needs.
type memberInput struct {
	Pod, Namespace string
	Refs           podRefs
	SharedCnf      string
	RootPassword   string
	Address        string
}

// memberConfig builds the member's configuration as mysqld in the pod would see it: the shared my.cnf, then
// the per-member file `orca init` writes from the pod's ordinal. The listeners bind the member's loopback
// address; MEMBER_HOST (report_host) is the pod's DNS name.
func memberConfig(in memberInput) (mysqlsim.MemberConfig, error) {
	ordinal, err := specs.Ordinal(in.Pod)
	if err != nil {
		return mysqlsim.MemberConfig{}, err
	}
	host := memberHost(in.Pod, in.Namespace, in.Refs.Init)
	files := []string{in.SharedCnf, specs.RenderMemberCnf(in.Refs.Init.BaseServerID, ordinal, host)}
	if in.Refs.Init.TLSMemberCerts {
		files = append(files, specs.RenderMemberTLSCnf(in.Pod))
	}
	opts, err := parseMyCnf(files...)
	if err != nil {
		return mysqlsim.MemberConfig{}, fmt.Errorf("member %s/%s: %w", in.Namespace, in.Pod, err)
	}
	cfg := mysqlsim.MemberConfig{
		Name: in.Pod, Host: in.Address, Port: specs.PortMySQL, XPort: specs.PortMySQLX,
		Version: imageVersion(in.Refs.Image), Options: opts, RootPassword: in.RootPassword,
		Unsupervised: !in.Refs.Supervised,
		// The pod runs the official image: its entrypoint initialises the data directory on the first start.
		Initialize: mysqlsim.InitOfficialImage, SkipTZInfo: in.Refs.SkipTZInfo,
	}
	if cfg.Port, err = portOption(opts, "port", cfg.Port); err != nil {
		return mysqlsim.MemberConfig{}, err
	}
	if cfg.XPort, err = portOption(opts, "mysqlx_port", cfg.XPort); err != nil {
		return mysqlsim.MemberConfig{}, err
	}
	return cfg, nil
}

func portOption(opts map[string]string, name string, def int) (int, error) {
	v, ok := opts[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 65535 {
		return 0, fmt.Errorf("my.cnf %s=%q is not a port", name, v)
	}
	return n, nil
}
