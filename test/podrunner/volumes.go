package podrunner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// errMount is a volume the runner cannot set up yet (a missing Secret, an unbound claim): the kubelet leaves the
// pod ContainerCreating with a FailedMount event and tries again.
var errMount = errors.New("mount volume")

// defaultFileMode is the mode of Secret, ConfigMap, downward API and projected files without one (the API's
// default).
const defaultFileMode = 0o644

// volumeWriter materialises the volumes of one pod under <pod folder>/volumes/<volume>. Persistent volumes and
// host paths live outside the pod folder, under the runner's folder, so that they outlive the pod as on a node:
// <runner>/persistent/<PersistentVolume> and <runner>/hosts/<node>/<path>.
type volumeWriter struct {
	src       objectSource
	client    client.Client // token requests and claims
	podDir    string
	runnerDir string
}

// write sets up every volume of the pod and returns the folder of each. API-backed volumes (Secret, ConfigMap,
// downward API, projected) are written again on every call, so a container started later sees current contents;
// emptyDir, persistent and host-path folders keep theirs.
func (w volumeWriter) write(ctx context.Context, f podFacts) (map[string]string, error) {
	out := map[string]string{}
	for i := range f.Pod.Spec.Volumes {
		v := &f.Pod.Spec.Volumes[i]
		dir, err := w.volume(ctx, f, v)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		out[v.Name] = dir
	}
	return out, nil
}

func (w volumeWriter) volume(ctx context.Context, f podFacts, v *corev1.Volume) (string, error) {
	dir := filepath.Join(w.podDir, "volumes", v.Name)
	var files map[string]file
	var err error
	switch s := v.VolumeSource; {
	case s.EmptyDir != nil:
		return dir, os.MkdirAll(dir, 0o777)
	case s.PersistentVolumeClaim != nil:
		return w.claimDir(ctx, f.Pod.Namespace, s.PersistentVolumeClaim.ClaimName)
	case s.Ephemeral != nil:
		return w.claimDir(ctx, f.Pod.Namespace, f.Pod.Name+"-"+v.Name)
	case s.HostPath != nil:
		host := filepath.Join(w.runnerDir, "hosts", f.Pod.Spec.NodeName, filepath.Clean("/"+s.HostPath.Path))
		return host, os.MkdirAll(host, 0o755)
	case s.Secret != nil:
		files, err = w.secretFiles(ctx, f.Pod.Namespace, s.Secret.SecretName, s.Secret.Items, s.Secret.Optional,
			mode(s.Secret.DefaultMode))
	case s.ConfigMap != nil:
		files, err = w.configMapFiles(ctx, f.Pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional,
			mode(s.ConfigMap.DefaultMode))
	case s.DownwardAPI != nil:
		files, err = downwardFiles(f, s.DownwardAPI.Items, mode(s.DownwardAPI.DefaultMode))
	case s.Projected != nil:
		files, err = w.projectedFiles(ctx, f, s.Projected)
	default:
		return "", fmt.Errorf("%w: unsupported volume type (the runner sets up emptyDir, secret, configMap, "+
			"downwardAPI, projected, persistentVolumeClaim, ephemeral and hostPath)", errMount)
	}
	if err != nil {
		return "", err
	}
	return dir, writeFiles(dir, files)
}

// file is one file of an API-backed volume.
type file struct {
	data []byte
	mode fs.FileMode
}

func mode(m *int32) fs.FileMode {
	if m == nil {
		return defaultFileMode
	}
	return fs.FileMode(*m) & fs.ModePerm
}

// writeFiles makes dir hold exactly files (each replaced atomically: written aside, then renamed).
func writeFiles(dir string, files map[string]file) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make volume folder: %w", err)
	}
	for rel, f := range files {
		target := filepath.Join(dir, filepath.Clean("/"+rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("make folder of %s: %w", rel, err)
		}
		tmp := target + ".podrunner-tmp"
		if err := os.WriteFile(tmp, f.data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
		if err := os.Chmod(tmp, f.mode); err != nil {
			return fmt.Errorf("chmod %s: %w", rel, err)
		}
		if err := os.Rename(tmp, target); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
	}
	return removeOthers(dir, files)
}

// removeOthers deletes the files of dir that are no longer in files (a key removed from the Secret).
func removeOthers(dir string, files map[string]file) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if _, keep := files[filepath.ToSlash(rel)]; !keep {
			return os.Remove(p)
		}
		return nil
	})
}

// keyFiles maps the keys of a Secret or ConfigMap to files: every key, or only the items (key to path, with
// their own modes). A missing item key is an error unless the source is optional.
func keyFiles(data map[string][]byte, items []corev1.KeyToPath, opt *bool, def fs.FileMode, what string) (
	map[string]file, error) {
	out := map[string]file{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{v, def}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional(opt) {
				continue
			}
			return nil, fmt.Errorf("%w: configuration key %q not in %s", errMount, it.Key, what)
		}
		m := def
		if it.Mode != nil {
			m = mode(it.Mode)
		}
		out[normalise(it.Path)] = file{v, m}
	}
	return out, nil
}

func normalise(rel string) string {
	return strings.TrimPrefix(filepath.ToSlash(filepath.Clean("/"+rel)), "/")
}

func (w volumeWriter) secretFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool,
	def fs.FileMode) (map[string]file, error) {
	sec, err := w.src.secret(ctx, ns, name)
	if apierrors.IsNotFound(err) && optional(opt) {
		return map[string]file{}, nil
	}
	if err != nil {
		return nil, mountError("secret", name, err)
	}
	data := map[string][]byte{}
	for k, v := range secretStrings(sec) {
		data[k] = []byte(v)
	}
	return keyFiles(data, items, opt, def, fmt.Sprintf("secret %q", name))
}

func (w volumeWriter) configMapFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool,
	def fs.FileMode) (map[string]file, error) {
	cm, err := w.src.configMap(ctx, ns, name)
	if apierrors.IsNotFound(err) && optional(opt) {
		return map[string]file{}, nil
	}
	if err != nil {
		return nil, mountError("configmap", name, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(data, items, opt, def, fmt.Sprintf("configmap %q", name))
}

func mountError(kind, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%w: %s %q not found", errMount, kind, name)
	}
	return fmt.Errorf("read %s %q: %w", kind, name, err)
}

func downwardFiles(f podFacts, items []corev1.DownwardAPIVolumeFile, def fs.FileMode) (map[string]file, error) {
	out := map[string]file{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldValue(f, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			c := findContainer(f.Pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				return nil, fmt.Errorf("%w: no container %q", errMount, it.ResourceFieldRef.ContainerName)
			}
			v, err = resourceValue(f, c, it.ResourceFieldRef)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errMount, err)
		}
		m := def
		if it.Mode != nil {
			m = mode(it.Mode)
		}
		out[normalise(it.Path)] = file{[]byte(v), m}
	}
	return out, nil
}

func (w volumeWriter) projectedFiles(ctx context.Context, f podFacts, p *corev1.ProjectedVolumeSource) (
	map[string]file, error) {
	def := mode(p.DefaultMode)
	out := map[string]file{}
	for _, s := range p.Sources {
		var files map[string]file
		var err error
		switch {
		case s.Secret != nil:
			files, err = w.secretFiles(ctx, f.Pod.Namespace, s.Secret.Name, s.Secret.Items, s.Secret.Optional, def)
		case s.ConfigMap != nil:
			files, err = w.configMapFiles(ctx, f.Pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items,
				s.ConfigMap.Optional, def)
		case s.DownwardAPI != nil:
			files, err = downwardFiles(f, s.DownwardAPI.Items, def)
		case s.ServiceAccountToken != nil:
			files, err = w.tokenFile(ctx, f.Pod, s.ServiceAccountToken, def)
		default:
			err = fmt.Errorf("%w: unsupported projected source (secret, configMap, downwardAPI and "+
				"serviceAccountToken are)", errMount)
		}
		if err != nil {
			return nil, err
		}
		for k, v := range files {
			out[k] = v
		}
	}
	return out, nil
}

// tokenFile asks the apiserver for a token of the pod's ServiceAccount bound to the pod, as the kubelet does.
func (w volumeWriter) tokenFile(ctx context.Context, pod *corev1.Pod, p *corev1.ServiceAccountTokenProjection,
	def fs.FileMode) (map[string]file, error) {
	name := pod.Spec.ServiceAccountName
	if name == "" {
		name = "default"
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To(ptr.Deref(p.ExpirationSeconds, 3600)),
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name,
			UID: pod.UID},
	}}
	if p.Audience != "" {
		req.Spec.Audiences = []string{p.Audience}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pod.Namespace}}
	if err := w.client.SubResource("token").Create(ctx, sa, req); err != nil {
		return nil, fmt.Errorf("%w: request a token of service account %s: %w", errMount, name, err)
	}
	return map[string]file{normalise(p.Path): {[]byte(req.Status.Token), def}}, nil
}

// claimDir is the folder of the PersistentVolume a claim is bound to; an unbound claim cannot be mounted yet.
func (w volumeWriter) claimDir(ctx context.Context, ns, claim string) (string, error) {
	var pvc corev1.PersistentVolumeClaim
	if err := w.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: claim}, &pvc); err != nil {
		return "", mountError("persistentvolumeclaim", claim, err)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("%w: persistentvolumeclaim %q is not bound", errMount, claim)
	}
	dir := filepath.Join(w.runnerDir, "persistent", pvc.Spec.VolumeName)
	return dir, os.MkdirAll(dir, 0o777)
}
