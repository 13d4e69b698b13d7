package podrunner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Development-only variables the runner gives every process it runs (contract with `orca router` and later
// commands: they never appear in a real pod).
const (
	// EnvMemberMap is the path of the JSON map of member names to loopback addresses (simworld.Options.MapFile):
	// the process dials members through memberdial.NewLoopbackFile(path) instead of DNS.
	EnvMemberMap = "ORCA_DEV_MEMBER_MAP"
	// EnvBindAddress is the pod's loopback address: the process listens there instead of its --bind-address (and
	// uses it as the host of an address such as --http-bind-address :8080). Probes reach it there.
	EnvBindAddress = "ORCA_DEV_BIND_ADDRESS"
	// EnvServiceMap is the path of the JSON map of Service addresses ("<service>.<namespace>.svc:<port>") to
	// the loopback addresses test/serviceproxy forwards them from (serviceproxy.Options.MapFile): the process
	// dials Services through memberdial.NewLoopbackFile(path) instead of DNS and a ClusterIP.
	EnvServiceMap = "ORCA_DEV_SERVICE_MAP"
)

// errConfig is a container the runtime cannot create from its spec (a missing Secret, ConfigMap or key): the
// kubelet shows it waiting with reason CreateContainerConfigError and tries again.
var errConfig = errors.New("create container config")

// objectSource reads the ConfigMaps and Secrets pods refer to (uncached: the runner watches neither).
type objectSource struct{ r client.Reader }

func (s objectSource) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	var cm corev1.ConfigMap
	if err := s.r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &cm); err != nil {
		return nil, err
	}
	return &cm, nil
}

func (s objectSource) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	var sec corev1.Secret
	if err := s.r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &sec); err != nil {
		return nil, err
	}
	return &sec, nil
}

// podFacts is what field and resource references read that the pod object may not show yet (the runner writes
// the IPs in the same pass it starts the first container).
type podFacts struct {
	Pod         *corev1.Pod
	PodIP       string
	HostIP      string
	Allocatable corev1.ResourceList // the node's, for resource limits a container does not set
}

// envVar is one resolved variable, in the order the kubelet applies them (later ones win).
type envVar struct{ Name, Value string }

// containerEnv resolves a container's environment as the kubelet does (envFrom in order, then env in order, each
// value expanding $(VAR) references to the variables before it and to dev), and returns it with dev appended
// (dev always wins). A missing ConfigMap, Secret or key that is not optional is an error wrapping errConfig.
func containerEnv(ctx context.Context, src objectSource, f podFacts, c *corev1.Container,
	dev []envVar) ([]envVar, error) {
	var vars []envVar
	for _, from := range c.EnvFrom {
		data, err := envFromData(ctx, src, f.Pod.Namespace, from)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if name := from.Prefix + k; validEnvName(name) {
				vars = append(vars, envVar{name, data[k]})
			}
		}
	}
	for i := range c.Env {
		e := &c.Env[i]
		if e.ValueFrom == nil {
			vars = append(vars, envVar{e.Name, expand(e.Value, lookup(slices.Concat(dev, vars)))})
			continue
		}
		v, ok, err := envValueFrom(ctx, src, f, c, e)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", e.Name, err)
		}
		if ok {
			vars = append(vars, envVar{e.Name, v})
		}
	}
	return append(vars, dev...), nil
}

func validEnvName(name string) bool { return name != "" && !strings.ContainsAny(name, "=\x00") }

// lookup returns the value of the last variable of a name, as a map built in order would hold.
func lookup(vars []envVar) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(vars) - 1; i >= 0; i-- {
			if vars[i].Name == name {
				return vars[i].Value, true
			}
		}
		return "", false
	}
}

// expand replaces $(NAME) by NAME's value as the kubelet does: "$$" is a literal '$', a reference to an unknown
// variable and an unclosed "$(" stay as written.
func expand(s string, value func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := value(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func envFromData(ctx context.Context, src objectSource, ns string, from corev1.EnvFromSource) (map[string]string,
	error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := src.configMap(ctx, ns, from.ConfigMapRef.Name)
		if apierrors.IsNotFound(err) && optional(from.ConfigMapRef.Optional) {
			return nil, nil
		}
		if err != nil {
			return nil, configError("configmap", from.ConfigMapRef.Name, err)
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		sec, err := src.secret(ctx, ns, from.SecretRef.Name)
		if apierrors.IsNotFound(err) && optional(from.SecretRef.Optional) {
			return nil, nil
		}
		if err != nil {
			return nil, configError("secret", from.SecretRef.Name, err)
		}
		return secretStrings(sec), nil
	}
	return nil, nil
}

func optional(b *bool) bool { return b != nil && *b }

// configError is how the kubelet words a missing object (secret "x" not found) or key.
func configError(kind, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%w: %s %q not found", errConfig, kind, name)
	}
	return fmt.Errorf("read %s %q: %w", kind, name, err)
}

func secretStrings(s *corev1.Secret) map[string]string {
	out := make(map[string]string, len(s.Data)+len(s.StringData))
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// envValueFrom resolves one valueFrom; ok is false for an optional reference to something missing (the variable
// is then not set).
func envValueFrom(ctx context.Context, src objectSource, f podFacts, c *corev1.Container,
	e *corev1.EnvVar) (string, bool, error) {
	from := e.ValueFrom
	switch {
	case from.FieldRef != nil:
		v, err := fieldValue(f, from.FieldRef.FieldPath)
		return v, err == nil, err
	case from.ResourceFieldRef != nil:
		v, err := resourceValue(f, c, from.ResourceFieldRef)
		return v, err == nil, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := src.configMap(ctx, f.Pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optionalMissing(ref.Optional, configError("configmap", ref.Name, err), err)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			return "", false, optionalMissing(ref.Optional, fmt.Errorf("%w: couldn't find key %s in ConfigMap %s/%s",
				errConfig, ref.Key, f.Pod.Namespace, ref.Name), nil)
		}
		return v, true, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		sec, err := src.secret(ctx, f.Pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optionalMissing(ref.Optional, configError("secret", ref.Name, err), err)
		}
		v, ok := secretStrings(sec)[ref.Key]
		if !ok {
			return "", false, optionalMissing(ref.Optional, fmt.Errorf("%w: couldn't find key %s in Secret %s/%s",
				errConfig, ref.Key, f.Pod.Namespace, ref.Name), nil)
		}
		return v, true, nil
	}
	return "", false, fmt.Errorf("%w: valueFrom with no source", errConfig)
}

// optionalMissing drops the error of a missing optional reference (readErr nil or not found).
func optionalMissing(opt *bool, err, readErr error) error {
	if optional(opt) && (readErr == nil || apierrors.IsNotFound(readErr)) {
		return nil
	}
	return err
}

// fieldValue resolves a downward API field path of the pod.
func fieldValue(f podFacts, fieldPath string) (string, error) {
	p := f.Pod
	if k, ok := subscript(fieldPath, "metadata.labels"); ok {
		return p.Labels[k], nil
	}
	if k, ok := subscript(fieldPath, "metadata.annotations"); ok {
		return p.Annotations[k], nil
	}
	switch fieldPath {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "metadata.labels":
		return formatMap(p.Labels), nil
	case "metadata.annotations":
		return formatMap(p.Annotations), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return f.HostIP, nil
	case "status.podIP", "status.podIPs":
		return f.PodIP, nil
	}
	return "", fmt.Errorf("%w: unsupported field path %q", errConfig, fieldPath)
}

// subscript parses "prefix['key']".
func subscript(fieldPath, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(fieldPath, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// formatMap renders labels or annotations as the downward API does: sorted key="value" lines.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("%v=%q", k, m[k]))
	}
	return strings.Join(lines, "\n")
}

// resourceValue resolves a resourceFieldRef as the kubelet does: a limit the container does not set is the
// node's allocatable amount; the value is rounded up to a whole number of divisors.
func resourceValue(f podFacts, self *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	c := self
	if ref.ContainerName != "" && ref.ContainerName != self.Name {
		if c = findContainer(f.Pod, ref.ContainerName); c == nil {
			return "", fmt.Errorf("%w: no container %q for resource %s", errConfig, ref.ContainerName, ref.Resource)
		}
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("%w: unsupported resource %q", errConfig, ref.Resource)
	}
	rn := corev1.ResourceName(name)
	var q resource.Quantity
	if kind == "limits" {
		if q = c.Resources.Limits[rn]; q.IsZero() {
			q = f.Allocatable[rn]
		}
	} else {
		q = c.Resources.Requests[rn]
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if rn == corev1.ResourceCPU {
		return fmt.Sprint(int64(math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue())))), nil
	}
	return fmt.Sprint(int64(math.Ceil(float64(q.Value()) / float64(divisor.Value())))), nil
}

func findContainer(p *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{p.Spec.Containers, p.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
