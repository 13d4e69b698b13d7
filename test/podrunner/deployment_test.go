package podrunner_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/podrunner"
	"github.com/orca-operator/orca/test/serviceproxy"
)

// helperContainer runs this test binary as a long-running server (helperMain) with a readiness probe.
func helperContainer(env ...corev1.EnvVar) corev1.Container {
	return corev1.Container{Name: "helper", Image: helperImage, Command: []string{"/helper"},
		Env:   append([]corev1.EnvVar{{Name: envHelper, Value: "1"}, {Name: "ECHO_PORT", Value: "7000"}}, env...),
		Ports: []corev1.ContainerPort{{Name: "echo", ContainerPort: 7000}, {Name: "http", ContainerPort: 8080}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/healthz", Port: intstr.FromString("http")}}, PeriodSeconds: 2, FailureThreshold: 1},
	}
}

// onlyPod waits until exactly one pod matches and it satisfies check, and returns it.
func (s *suite) onlyPod(ns string, sel map[string]string, what string, check func(*corev1.Pod) error) *corev1.Pod {
	s.t.Helper()
	var pod corev1.Pod
	s.eventually(60*time.Second, func(ctx context.Context) error {
		var pods corev1.PodList
		if err := s.c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(sel)); err != nil {
			return err
		}
		if len(pods.Items) != 1 || pods.Items[0].DeletionTimestamp != nil {
			return fmt.Errorf("%s: %d pods", what, len(pods.Items))
		}
		pod = pods.Items[0]
		if err := check(&pod); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
	return &pod
}

// serving waits until the helper at addr answers HTTP.
func (s *suite) serving(addr string) {
	s.t.Helper()
	s.eventually(10*time.Second, func(context.Context) error {
		c, err := net.DialTimeout("tcp", addr+":8080", time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err
	})
}

func (s *suite) post(addr, path string) {
	s.t.Helper()
	resp, err := http.Post("http://"+addr+":8080"+path, "text/plain", nil)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	_ = resp.Body.Close()
}

func (s *suite) processEnv(addr string) []string {
	s.t.Helper()
	resp, err := http.Get("http://" + addr + ":8080/env")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env []string
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		s.t.Fatal(err)
	}
	return env
}

func (s *suite) pid(ns, pod string) int {
	s.t.Helper()
	for _, p := range slices.Backward(s.r.Processes()) {
		if p.Namespace == ns && p.Pod == pod && !p.Exited {
			return p.PID
		}
	}
	s.t.Fatalf("no running process for %s/%s", ns, pod)
	return 0
}

func (s *suite) process(pid int) podrunner.ProcessInfo {
	for _, p := range s.r.Processes() {
		if p.PID == pid {
			return p
		}
	}
	return podrunner.ProcessInfo{}
}

func (s *suite) waitExited(pid int) podrunner.ProcessInfo {
	s.t.Helper()
	var info podrunner.ProcessInfo
	s.eventually(30*time.Second, func(context.Context) error {
		if info = s.process(pid); !info.Exited {
			return fmt.Errorf("process %d still runs", pid)
		}
		if err := syscall.Kill(pid, 0); err == nil {
			return fmt.Errorf("pid %d still exists", pid)
		}
		return nil
	})
	return info
}

func echoes(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintln(conn, "ping"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line != "ping\n" {
		return fmt.Errorf("echo %q: %w", line, err)
	}
	return nil
}

// A Deployment's pod runs as a process on its own loopback address with the dev variables; its readiness probe
// decides Ready, the real EndpointSlice controller follows and the Service proxy with it; a process that exits is
// restarted (restartCount+1, lastState its exit code); deleting the pod stops the process (SIGTERM).
func (s *suite) deploymentLifecycle(t *testing.T) {
	ns := s.namespace("deploy")
	sel := map[string]string{"app": "helper"}
	s.create(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "helper", Namespace: ns},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: sel},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
					Spec: corev1.PodSpec{Containers: []corev1.Container{helperContainer()}}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "helper", Namespace: ns},
			Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Name: "echo", Port: 3306,
				TargetPort: intstr.FromString("echo")}}}},
	)
	proxy, err := serviceproxy.Start(context.Background(), serviceproxy.Options{Config: s.cp.Config, Resolver: s.r,
		Resync: 50 * time.Millisecond, Rules: []serviceproxy.Rule{{Namespace: ns, Service: "helper", AnyPort: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Stop()
	pod := s.onlyPod(ns, sel, "running, not ready", func(p *corev1.Pod) error {
		if cs := containerStatus(p, "helper"); p.Status.Phase != corev1.PodRunning || cs == nil ||
			cs.State.Running == nil || cs.Ready || podCondition(p, corev1.PodReady) != corev1.ConditionFalse {
			return fmt.Errorf("phase %s, container %+v", p.Status.Phase, cs)
		}
		return nil
	})
	addr := s.r.Address(ns, pod.Name)
	if !strings.HasPrefix(addr, "127.") || strings.HasPrefix(pod.Status.PodIP, "127.") {
		t.Fatalf("address %q, pod IP %q", addr, pod.Status.PodIP)
	}
	s.serving(addr)
	env := s.processEnv(addr)
	for _, want := range []string{podrunner.EnvMemberMap + "=" + s.memberMap, podrunner.EnvBindAddress + "=" + addr,
		"HOSTNAME=" + pod.Name} {
		if !slices.Contains(env, want) {
			t.Errorf("process environment lacks %s: %v", want, env)
		}
	}
	if proxy.Addr(ns, "helper", 3306) != "" {
		t.Fatal("the proxy forwards to a pod that is not ready")
	}

	s.post(addr, "/ready")
	pod = s.onlyPod(ns, sel, "ready", func(p *corev1.Pod) error {
		if podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
			return errors.New("not Ready")
		}
		return nil
	})
	s.expectEndpoint(ns, pod)
	var through string
	s.eventually(30*time.Second, func(context.Context) error {
		if through = proxy.Addr(ns, "helper", 3306); through == "" {
			return errors.New("the proxy does not listen")
		}
		return echoes(through)
	})

	s.post(addr, "/unready")
	s.eventually(30*time.Second, func(context.Context) error {
		if a := proxy.Addr(ns, "helper", 3306); a != "" {
			return fmt.Errorf("the proxy still listens at %s", a)
		}
		return nil
	})
	if err := echoes(through); err == nil {
		t.Fatal("a connection went through without a ready endpoint")
	}

	first := s.pid(ns, pod.Name)
	s.post(addr, "/exit?code=3")
	s.onlyPod(ns, sel, "restarted", func(p *corev1.Pod) error {
		cs := containerStatus(p, "helper")
		if cs == nil || cs.RestartCount != 1 || cs.State.Running == nil || cs.LastTerminationState.Terminated == nil ||
			cs.LastTerminationState.Terminated.ExitCode != 3 {
			return fmt.Errorf("container %+v", cs)
		}
		return nil
	})
	if info := s.waitExited(first); info.ExitCode != 3 {
		t.Fatalf("first process exit code %d", info.ExitCode)
	}
	second := s.pid(ns, pod.Name)
	if second == first {
		t.Fatal("no new process")
	}
	s.serving(addr)

	if err := s.c.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if info := s.waitExited(second); info.ExitCode != 0 {
		t.Fatalf("the deleted pod's process exited with %d, want 0 from its SIGTERM handler", info.ExitCode)
	}
	s.eventually(30*time.Second, func(ctx context.Context) error {
		err := s.c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
		if err == nil {
			return errors.New("pod still there")
		}
		return client.IgnoreNotFound(err)
	})
}

// expectEndpoint waits for the Service's EndpointSlice to name the pod by its fake pod IP, ready.
func (s *suite) expectEndpoint(ns string, pod *corev1.Pod) {
	s.t.Helper()
	s.eventually(30*time.Second, func(ctx context.Context) error {
		var list discoveryv1.EndpointSliceList
		if err := s.c.List(ctx, &list, client.InNamespace(ns),
			client.MatchingLabels{discoveryv1.LabelServiceName: "helper"}); err != nil {
			return err
		}
		for _, es := range list.Items {
			for _, ep := range es.Endpoints {
				if ep.TargetRef != nil && ep.TargetRef.Name == pod.Name && ptr.Deref(ep.Conditions.Ready, false) &&
					slices.Contains(ep.Addresses, pod.Status.PodIP) {
					return nil
				}
			}
		}
		return fmt.Errorf("no ready endpoint for %s in %+v", pod.Name, list.Items)
	})
}

// A process that ignores SIGTERM is killed once the deletion's grace period has passed.
func (s *suite) deletionKillsAfterGrace(t *testing.T) {
	ns := s.namespace("grace")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stubborn", Namespace: ns},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{helperContainer(corev1.EnvVar{Name: "IGNORE_TERM", Value: "1"})}}}
	s.create(pod)
	s.eventually(30*time.Second, func(ctx context.Context) error {
		if s.r.Address(ns, pod.Name) == "" {
			return errors.New("no address yet")
		}
		return nil
	})
	s.serving(s.r.Address(ns, pod.Name))
	pid := s.pid(ns, pod.Name)
	if err := s.c.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if info := s.waitExited(pid); info.ExitCode != 137 {
		t.Fatalf("exit code %d, want 137 (SIGKILL)", info.ExitCode)
	}
	if log := s.process(pid).Log; !strings.Contains(tail(log), "SIGTERM ignored") {
		t.Fatalf("SIGTERM was not sent first:\n%s", tail(log))
	}
}
