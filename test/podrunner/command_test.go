package podrunner

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestBuildExecMapsTheImageAndRewritesMounts(t *testing.T) {
	dir := t.TempDir()
	sb := sandbox{Dir: dir, Address: "127.0.100.2", Volumes: map[string]string{
		"mycnf": filepath.Join(dir, "volumes", "mycnf"), "conf": filepath.Join(dir, "volumes", "conf")}}
	pod := envPod()
	c := &corev1.Container{Name: "init", Image: "orca:e2e",
		Command: []string{"/orca", "init"},
		Args:    []string{"--service=$(SVC)", "--template-dir", "/orca/mycnf", "--output-dir=/etc/mysql/conf.d"},
		VolumeMounts: []corev1.VolumeMount{{Name: "mycnf", MountPath: "/orca/mycnf"},
			{Name: "conf", MountPath: "/etc/mysql/conf.d"}, {Name: "conf", MountPath: "/data", SubPath: "sub"}},
		WorkingDir: "/data",
	}
	env := []envVar{{"SVC", "mycluster-instances"}, {"CONF", "/etc/mysql/conf.d/x.cnf"}, {"HOME", "/home/nonroot"},
		{EnvBindAddress, sb.Address}}
	spec, err := buildExec(Image{Binary: "/bin/orca-test"}, pod, c, env, sb, filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/orca", "init", "--service=mycluster-instances", "--template-dir",
		filepath.Join(dir, "volumes", "mycnf"), "--output-dir=" + filepath.Join(dir, "volumes", "conf")}
	if spec.Path != "/bin/orca-test" || !equal(spec.Argv, want) {
		t.Fatalf("exec %s %v, want %v", spec.Path, spec.Argv, want)
	}
	if spec.Dir != filepath.Join(dir, "volumes", "conf", "sub") {
		t.Errorf("working folder %s", spec.Dir)
	}
	if st, err := os.Stat(spec.Dir); err != nil || !st.IsDir() {
		t.Errorf("subPath folder not made: %v", err)
	}
	for name, want := range map[string]string{"CONF": filepath.Join(dir, "volumes", "conf", "x.cnf"),
		"HOME": "/home/nonroot", "HOSTNAME": "job-abc", "PATH": defaultPath, EnvBindAddress: "127.0.100.2",
		"TMPDIR": filepath.Join(dir, "tmp")} {
		if got := envValue(spec.Env, name); got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
	if len(spec.Env) != 7 {
		t.Errorf("environment %v: a variable is repeated", spec.Env)
	}
}

func TestBuildExecRefusesWhatTheImageDoesNotHold(t *testing.T) {
	sb := sandbox{Dir: t.TempDir()}
	pod := envPod()
	for _, c := range []corev1.Container{
		{Name: "sh", Image: "orca:e2e", Command: []string{"/bin/sh", "-c", "true"}},
		{Name: "mount", Image: "orca:e2e", VolumeMounts: []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}},
	} {
		_, err := buildExec(Image{Binary: "/bin/true"}, pod, &c, nil, sb, "")
		if !errors.Is(err, errStart) && !errors.Is(err, errConfig) {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	c := corev1.Container{Name: "default", Image: "orca:e2e", Args: []string{"router"}}
	spec, err := buildExec(Image{Binary: "/bin/true"}, pod, &c, nil, sb, "")
	if err != nil || !equal(spec.Argv, []string{"/orca", "router"}) {
		t.Fatalf("no command runs the entrypoint: %v %v", spec.Argv, err)
	}
}
