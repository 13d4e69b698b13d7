package simworld

import (
	"context"
	"crypto/tls"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// secretMount is a Secret volume of the mysql container, as the kubelet lays it out: every key as a file under
// Path, or only the projected items (file path -> key).
type secretMount struct {
	Path   string
	Secret string
	Items  map[string]string
}

func secretMounts(vols []corev1.Volume, mounts []corev1.VolumeMount) []secretMount {
	byName := map[string]*corev1.SecretVolumeSource{}
	for i := range vols {
		if vols[i].Secret != nil {
			byName[vols[i].Name] = vols[i].Secret
		}
	}
	var out []secretMount
	for _, m := range mounts {
		src := byName[m.Name]
		if src == nil {
			continue
		}
		sm := secretMount{Path: path.Clean(m.MountPath), Secret: src.SecretName}
		if len(src.Items) > 0 {
			sm.Items = map[string]string{}
			for _, it := range src.Items {
				sm.Items[it.Path] = it.Key
			}
		}
		out = append(out, sm)
	}
	return out
}

// resolve says which Secret and key a file path inside the container comes from.
func (r podRefs) resolve(file string) (secret, key string, ok bool) {
	file = path.Clean(file)
	for _, m := range r.SecretMounts {
		rel, found := strings.CutPrefix(file, m.Path+"/")
		if !found {
			continue
		}
		if m.Items == nil {
			return m.Secret, rel, true
		}
		k, ok := m.Items[rel]
		return m.Secret, k, ok
	}
	return "", "", false
}

// memberTLS loads the certificate mysqld would load at boot from ssl_cert and ssl_key, reading the mounted
// Secret (uncached); nil when the options name no mounted file (mysqld then generates its own). A file its
// Secret lacks fails the boot, to be retried: on a real node the kubelet would not start the container
// before the Secret exists, and the key is what Orca writes before the pod can start.
func (w *World) memberTLS(ctx context.Context, namespace string, refs podRefs, opts map[string]string) (
	*tls.Config, error) {
	certPEM, found, err := w.mountedFile(ctx, namespace, refs, opts["ssl_cert"])
	if err != nil || !found {
		return nil, err
	}
	keyPEM, found, err := w.mountedFile(ctx, namespace, refs, opts["ssl_key"])
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("ssl_key %q is not on a mounted Secret", opts["ssl_key"])
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load ssl_cert %s and ssl_key %s: %w", opts["ssl_cert"], opts["ssl_key"], err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func (w *World) mountedFile(ctx context.Context, namespace string, refs podRefs, file string) ([]byte, bool, error) {
	if file == "" {
		return nil, false, nil
	}
	name, key, ok := refs.resolve(file)
	if !ok {
		return nil, false, nil
	}
	var sec corev1.Secret
	if err := w.reader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &sec); err != nil {
		return nil, false, fmt.Errorf("read Secret %s (mounted for %s): %w", name, file, err)
	}
	data, ok := sec.Data[key]
	if !ok {
		return nil, false, fmt.Errorf("secret %s has no key %s (%s)", name, key, file)
	}
	return data, true, nil
}
