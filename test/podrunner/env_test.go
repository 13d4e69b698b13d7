package podrunner

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func fakeObjects(objs ...client.Object) objectSource {
	return objectSource{r: fake.NewClientBuilder().WithObjects(objs...).Build()}
}

func envPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job-abc", Namespace: "ns", UID: "u-1",
			Labels: map[string]string{"b": "2", "a": "1"}, Annotations: map[string]string{"note": `say "hi"`}},
		Spec: corev1.PodSpec{NodeName: "orca-node-1", ServiceAccountName: "sa",
			Containers: []corev1.Container{{Name: "main", Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
			}}}},
	}
}

func values(vars []envVar) map[string]string {
	m := map[string]string{}
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return m
}

func TestContainerEnvResolvesEveryKindOfSource(t *testing.T) {
	src := fakeObjects(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"},
			Data: map[string]string{"MODE": "fast", "SHARED": "from-cm", "bad=key": "x"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec", Namespace: "ns"},
			Data: map[string][]byte{"password": []byte("s3cret"), "SHARED": []byte("from-secret")}},
	)
	pod := envPod()
	c := &pod.Spec.Containers[0]
	c.EnvFrom = []corev1.EnvFromSource{
		{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}},
		{Prefix: "S_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}}},
		{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"},
			Optional: ptr.To(true)}},
	}
	c.Env = []corev1.EnvVar{
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "password"}}},
		{Name: "MODE2", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "MODE"}}},
		{Name: "OPT", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope", Optional: ptr.To(true)}}},
		{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "A", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.labels['a']"}}},
		{Name: "LABELS", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.labels"}}},
		{Name: "NOTES", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.annotations"}}},
		{Name: "MEM_MI", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
			Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
		{Name: "CPU_LIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
			Resource: "limits.cpu"}}},
		{Name: "CPU_REQ_M", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
			Resource: "requests.cpu", Divisor: resource.MustParse("1m")}}},
		{Name: "CPU_REQ", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
			Resource: "requests.cpu"}}},
		{Name: "URL", Value: "$(POD).$(MODE):$(UNKNOWN)$$(POD)@$(" + EnvBindAddress + ")"},
		{Name: "SHARED", Value: "mine"},
	}
	f := podFacts{Pod: pod, PodIP: "10.244.1.253", HostIP: "127.0.0.1",
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1k")}}
	vars, err := containerEnv(context.Background(), src, f, c, []envVar{{EnvBindAddress, "127.0.100.2"}})
	if err != nil {
		t.Fatal(err)
	}
	got := values(vars)
	for k, want := range map[string]string{
		"MODE": "fast", "S_password": "s3cret", "S_SHARED": "from-secret", "SHARED": "mine", "PASSWORD": "s3cret",
		"MODE2": "fast", "POD": "job-abc", "IP": "10.244.1.253", "A": "1", "LABELS": "a=\"1\"\nb=\"2\"",
		"NOTES": `note="say \"hi\""`, "MEM_MI": "1024", "CPU_LIMIT": "1000", "CPU_REQ_M": "250", "CPU_REQ": "1",
		"URL": "job-abc.fast:$(UNKNOWN)$(POD)@127.0.100.2", EnvBindAddress: "127.0.100.2",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	for _, k := range []string{"OPT", "bad=key"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s set", k)
		}
	}
	if last := vars[len(vars)-1]; last.Name != EnvBindAddress {
		t.Errorf("dev variables do not come last: %v", last)
	}
}

func TestContainerEnvMissingReferenceIsAConfigError(t *testing.T) {
	pod := envPod()
	for name, env := range map[string]corev1.EnvVar{
		"secret": {Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Key: "k"}}},
		"key": {Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope"}}},
		"field": {Name: "X", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "spec.bogus"}}},
	} {
		c := pod.Spec.Containers[0]
		c.Env = []corev1.EnvVar{env}
		src := fakeObjects(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"}})
		_, err := containerEnv(context.Background(), src, podFacts{Pod: pod}, &c, nil)
		if !errors.Is(err, errConfig) {
			t.Errorf("%s: error %v, want a config error", name, err)
		}
	}
}

func TestExpand(t *testing.T) {
	value := func(name string) (string, bool) {
		v, ok := map[string]string{"A": "x", "EMPTY": ""}[name]
		return v, ok
	}
	for in, want := range map[string]string{
		"$(A)":        "x",
		"$(A)$(A)":    "xx",
		"$$(A)":       "$(A)",
		"$(B)":        "$(B)",
		"$(EMPTY)-":   "-",
		"cost $5":     "cost $5",
		"end $":       "end $",
		"open $(A":    "open $(A",
		"$$$(A)":      "$x",
		"no dollars":  "no dollars",
		"($(A))":      "(x)",
		"$(A) $(B) $": "x $(B) $",
	} {
		if got := expand(in, value); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
