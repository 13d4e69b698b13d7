package podrunner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/podrunner"
	"github.com/orca-operator/orca/test/testutil"
)

const (
	orcaImage   = "orca:test"
	helperImage = "helper:test"
)

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) != "" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

// suite is one simulated control plane with a runner for the real orca binary (orca:test) and for this test
// binary as a long-running stand-in (helper:test).
type suite struct {
	t         *testing.T
	cp        *controlplane.ControlPlane
	c         client.Client
	r         *podrunner.Runner
	memberMap string
}

func startSuite(t *testing.T) *suite {
	orca := podrunner.BuildOrcaT(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true, Nodes: 2, Volumes: 1,
		ProcessImages: []string{orcaImage, helperImage}})
	s := &suite{t: t, cp: cp, c: cp.Client, memberMap: filepath.Join(t.TempDir(), "members.json")}
	s.r, err = podrunner.Start(context.Background(), podrunner.Options{Config: cp.Config,
		Images: map[string]podrunner.Image{
			orcaImage:   {Binary: orca},
			helperImage: {Binary: self, Entrypoint: "/helper"},
		},
		MemberMap:    s.memberMap,
		BaseAddress:  fmt.Sprintf("127.%d.%d.2", 1+rand.IntN(49), rand.IntN(250)),
		AddressFile:  filepath.Join(t.TempDir(), "pods.json"),
		RestartDelay: 400 * time.Millisecond, ProbePeriod: 50 * time.Millisecond, StopGrace: time.Second,
	})
	if err != nil {
		t.Fatalf("start runner: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range s.r.Processes() {
				t.Logf("--- %s/%s %s (pid %d, exited %v %d) ---\n%s", p.Namespace, p.Pod, p.Container, p.PID,
					p.Exited, p.ExitCode, tail(p.Log))
			}
		}
		s.r.Stop()
		expectNoLeaks(t, s.r)
	})
	return s
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// expectNoLeaks checks that every process the runner started has exited and that none of the runner's (or the
// Service proxy's) goroutines is left.
func expectNoLeaks(t *testing.T, r *podrunner.Runner) {
	t.Helper()
	for _, p := range r.Processes() {
		if !p.Exited {
			t.Errorf("process %d of %s/%s %s still runs after Stop", p.PID, p.Namespace, p.Pod, p.Container)
		}
		if err := syscall.Kill(p.PID, 0); err == nil {
			t.Errorf("pid %d (%s/%s %s) still exists after Stop", p.PID, p.Namespace, p.Pod, p.Container)
		}
	}
	err := testutil.Poll(10*time.Second, 50*time.Millisecond, func() error {
		buf := make([]byte, 1<<22)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "orca/test/podrunner.") || strings.Contains(g, "orca/test/serviceproxy.") {
				return fmt.Errorf("goroutine left:\n%s", g)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func (s *suite) namespace(name string) string {
	s.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := s.c.Create(context.Background(), ns); err != nil {
		s.t.Fatal(err)
	}
	// Pods are refused until the controller-manager made the namespace's default ServiceAccount.
	s.eventually(30*time.Second, func(ctx context.Context) error {
		return s.c.Get(ctx, client.ObjectKey{Namespace: name, Name: "default"}, &corev1.ServiceAccount{})
	})
	return name
}

func (s *suite) create(objs ...client.Object) {
	s.t.Helper()
	for _, o := range objs {
		if err := s.c.Create(context.Background(), o); err != nil {
			s.t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
}

func (s *suite) eventually(timeout time.Duration, fn func(ctx context.Context) error) {
	s.t.Helper()
	testutil.Eventually(s.t, timeout, func() error { return fn(context.Background()) })
}

// jobPod waits for the Job's pod (the only one) and returns it.
func (s *suite) jobPod(job *batchv1.Job) *corev1.Pod {
	s.t.Helper()
	var pod corev1.Pod
	s.eventually(30*time.Second, func(ctx context.Context) error {
		var pods corev1.PodList
		if err := s.c.List(ctx, &pods, client.InNamespace(job.Namespace),
			client.MatchingLabels{"job-name": job.Name}); err != nil {
			return err
		}
		if len(pods.Items) != 1 {
			return fmt.Errorf("%d pods", len(pods.Items))
		}
		pod = pods.Items[0]
		return nil
	})
	return &pod
}

// waitJob waits for the Job controller's condition on the Job.
func (s *suite) waitJob(job *batchv1.Job, cond batchv1.JobConditionType) {
	s.t.Helper()
	s.eventually(60*time.Second, func(ctx context.Context) error {
		if err := s.c.Get(ctx, client.ObjectKeyFromObject(job), job); err != nil {
			return err
		}
		for _, c := range job.Status.Conditions {
			if c.Type == cond && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("job conditions %+v (active %d, failed %d)", job.Status.Conditions, job.Status.Active,
			job.Status.Failed)
	})
}

func (s *suite) getPod(p *corev1.Pod) *corev1.Pod {
	s.t.Helper()
	if err := s.c.Get(context.Background(), client.ObjectKeyFromObject(p), p); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func TestRunsPodsAsProcesses(t *testing.T) {
	s := startSuite(t)
	t.Run("JobCompletesWithEnvAndVolumes", s.jobCompletes)
	t.Run("JobFailsWithExitCode", s.jobFails)
	t.Run("JobWithSidecar", s.jobWithSidecar)
	t.Run("MissingSecretWaitsThenStarts", s.configErrorWaits)
	t.Run("CommandNotInImageFails", s.startErrorFails)
	t.Run("ReadinessRestartsAndDeletion", s.deploymentLifecycle)
	t.Run("DeletionKillsAfterGrace", s.deletionKillsAfterGrace)
}

func jobOf(ns, name string, c corev1.Container, volumes ...corev1.Volume) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: batchv1.JobSpec{BackoffLimit: ptr.To[int32](0), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{c}, Volumes: volumes,
		}}},
	}
}

func secretKey(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
}

// `orca init` as a Job: POD_NAME from a Secret, POD_NAMESPACE from a field, the Service name from a ConfigMap
// through $(VAR) in the args, the template folder a mounted Secret and the output an emptyDir. The real Job
// controller sees the pod succeed and completes the Job.
func (s *suite) jobCompletes(t *testing.T) {
	ns := s.namespace("job-ok")
	s.create(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "member", Namespace: ns},
			StringData: map[string]string{"pod": "mycluster-2"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "template", Namespace: ns},
			StringData: map[string]string{"my.cnf": "[mysqld]\nmax_connections=77\n"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "names", Namespace: ns},
			Data: map[string]string{"service": "mycluster-instances"}},
	)
	job := jobOf(ns, "init", corev1.Container{Name: "init", Image: orcaImage,
		Command: []string{"/orca", "init"},
		Args:    []string{"--service=$(SERVICE)", "--template-dir", "/orca/mycnf", "--output-dir=/etc/mysql/conf.d"},
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: secretKey("member", "pod")},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: "metadata.namespace"}}},
			{Name: "SERVICE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "names"}, Key: "service"}}},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "mycnf", MountPath: "/orca/mycnf", ReadOnly: true},
			{Name: "conf", MountPath: "/etc/mysql/conf.d"}},
	},
		corev1.Volume{Name: "mycnf", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "template"}}},
		corev1.Volume{Name: "conf", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	)
	s.create(job)
	s.waitJob(job, batchv1.JobComplete)
	pod := s.getPod(s.jobPod(job))
	cs := containerStatus(pod, "init")
	if pod.Status.Phase != corev1.PodSucceeded || cs == nil || cs.State.Terminated == nil ||
		cs.State.Terminated.ExitCode != 0 || cs.State.Terminated.Reason != "Completed" {
		t.Fatalf("pod %s, container %+v", pod.Status.Phase, cs)
	}
	if pod.Status.PodIP == "" || strings.HasPrefix(pod.Status.PodIP, "127.") {
		t.Fatalf("pod IP %q: want a fake one from the node's range", pod.Status.PodIP)
	}
	var dir string
	for _, p := range s.r.Pods() {
		if p.Namespace == ns && p.Name == pod.Name {
			dir = p.Dir
		}
	}
	member, err := os.ReadFile(filepath.Join(dir, "volumes", "conf", "60-orca-member.cnf"))
	if err != nil {
		t.Fatalf("orca init's output: %v", err)
	}
	host := "mycluster-2.mycluster-instances." + ns + ".svc.cluster.local"
	if !strings.Contains(string(member), "server_id=1002") || !strings.Contains(string(member), host) {
		t.Fatalf("member config:\n%s", member)
	}
	shared, err := os.ReadFile(filepath.Join(dir, "volumes", "conf", "50-orca-cluster.cnf"))
	if err != nil || string(shared) != "[mysqld]\nmax_connections=77\n" {
		t.Fatalf("shared config from the mounted Secret: %q %v", shared, err)
	}
	if log := s.r.LogPath(ns, pod.Name, "init"); !strings.Contains(tail(log), "server_id=1002") {
		t.Fatalf("log %s: %s", log, tail(log))
	}
}

// `orca init` without POD_NAME exits 1: the container shows it and the Job fails.
func (s *suite) jobFails(t *testing.T) {
	ns := s.namespace("job-fail")
	job := jobOf(ns, "init", corev1.Container{Name: "init", Image: orcaImage, Args: []string{"init"}})
	s.create(job)
	s.waitJob(job, batchv1.JobFailed)
	pod := s.getPod(s.jobPod(job))
	cs := containerStatus(pod, "init")
	if pod.Status.Phase != corev1.PodFailed || cs == nil || cs.State.Terminated == nil ||
		cs.State.Terminated.ExitCode != 1 || cs.State.Terminated.Reason != "Error" {
		t.Fatalf("pod %s, container %+v", pod.Status.Phase, cs)
	}
}

// A container whose Secret does not exist waits (CreateContainerConfigError) and starts once it does.
func (s *suite) configErrorWaits(t *testing.T) {
	ns := s.namespace("config-error")
	job := jobOf(ns, "init", corev1.Container{Name: "init", Image: orcaImage, Args: []string{"init", "--help"},
		Env: []corev1.EnvVar{{Name: "X", ValueFrom: secretKey("later", "x")}}})
	s.create(job)
	pod := s.jobPod(job)
	s.eventually(30*time.Second, func(ctx context.Context) error {
		cs := containerStatus(s.getPod(pod), "init")
		if cs == nil || cs.State.Waiting == nil || cs.State.Waiting.Reason != "CreateContainerConfigError" ||
			!strings.Contains(cs.State.Waiting.Message, `secret "later" not found`) {
			return fmt.Errorf("container %+v", cs)
		}
		return nil
	})
	if pod.Status.Phase != corev1.PodPending {
		t.Fatalf("phase %s", pod.Status.Phase)
	}
	s.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: ns},
		StringData: map[string]string{"x": "y"}})
	s.waitJob(job, batchv1.JobComplete)
}

// A command the image does not hold fails to start (StartError, 128), as in the real image.
func (s *suite) startErrorFails(t *testing.T) {
	ns := s.namespace("start-error")
	job := jobOf(ns, "sh", corev1.Container{Name: "sh", Image: orcaImage, Command: []string{"/bin/sh", "-c", "true"}})
	s.create(job)
	s.waitJob(job, batchv1.JobFailed)
	cs := containerStatus(s.getPod(s.jobPod(job)), "sh")
	if cs == nil || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 128 ||
		cs.State.Terminated.Reason != "StartError" {
		t.Fatalf("container %+v", cs)
	}
}

// A native sidecar (an init container with restartPolicy Always, as the restore-verify Job's scratch server):
// the main container starts only once the sidecar's startup probe passed, the sidecar runs beside it, and once
// the main container exited the sidecar gets SIGTERM; the pod succeeds and the Job completes.
func (s *suite) jobWithSidecar(t *testing.T) {
	ns := s.namespace("job-sidecar")
	side := helperContainer(corev1.EnvVar{Name: "ECHO_PORT", Value: "7001"})
	side.Name, side.RestartPolicy = "side", ptr.To(corev1.ContainerRestartPolicyAlways)
	side.ReadinessProbe = nil
	side.StartupProbe = &corev1.Probe{PeriodSeconds: 1, FailureThreshold: 30,
		ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(7001)}}}
	job := jobOf(ns, "with-sidecar", corev1.Container{Name: "main", Image: orcaImage, Args: []string{"init", "--help"}})
	job.Spec.Template.Spec.InitContainers = []corev1.Container{side}
	s.create(job)
	s.waitJob(job, batchv1.JobComplete)
	pod := s.getPod(s.jobPod(job))
	var sideStatus *corev1.ContainerStatus
	if len(pod.Status.InitContainerStatuses) == 1 {
		sideStatus = &pod.Status.InitContainerStatuses[0]
	}
	main := containerStatus(pod, "main")
	if pod.Status.Phase != corev1.PodSucceeded || main == nil || main.State.Terminated == nil || sideStatus == nil {
		t.Fatalf("pod %s, main %+v, sidecar %+v", pod.Status.Phase, main, sideStatus)
	}
	var sideProc, mainProc podrunner.ProcessInfo
	for _, p := range s.r.Processes() {
		if p.Namespace == ns && p.Pod == pod.Name {
			switch p.Container {
			case "side":
				sideProc = p
			case "main":
				mainProc = p
			}
		}
	}
	if sideProc.PID == 0 || mainProc.PID == 0 {
		t.Fatalf("processes: sidecar %+v, main %+v", sideProc, mainProc)
	}
	if got := s.waitExited(sideProc.PID); got.ExitCode != 0 || !strings.Contains(tail(got.Log), "SIGTERM") {
		t.Fatalf("sidecar after the main container: exit %d, log %s", got.ExitCode, tail(got.Log))
	}
	if !strings.Contains(tail(sideProc.Log), "serving on") {
		t.Fatalf("sidecar log: %s", tail(sideProc.Log))
	}
	started := main.State.Terminated.StartedAt.Time
	if sideStatus.State.Terminated == nil || started.Before(sideStatus.State.Terminated.StartedAt.Time) {
		t.Fatalf("main started %s, sidecar %+v", started, sideStatus.State)
	}
}
