package podrunner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func volumeTestWriter(t *testing.T, objs ...client.Object) (volumeWriter, client.Client) {
	c := fake.NewClientBuilder().WithObjects(objs...).WithStatusSubresource(&corev1.PersistentVolumeClaim{}).Build()
	root := t.TempDir()
	return volumeWriter{src: objectSource{r: c}, client: c, podDir: filepath.Join(root, "pod"), runnerDir: root}, c
}

func TestVolumesAreWrittenFromTheirSources(t *testing.T) {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec", Namespace: "ns"},
		Data: map[string][]byte{"my.cnf": []byte("[mysqld]\n"), "other": []byte("o")}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"},
		Data: map[string]string{"a": "A"}, BinaryData: map[string][]byte{"b": {0, 1}}}
	w, c := volumeTestWriter(t, sec, cm)
	pod := envPod()
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "template", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "sec",
			Items: []corev1.KeyToPath{{Key: "my.cnf", Path: "conf/my.cnf", Mode: ptr.To[int32](0o600)}}}}},
		{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, DefaultMode: ptr.To[int32](0o440)}}},
		{Name: "gone", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "gone",
			Optional: ptr.To(true)}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{{Path: "labels",
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
		{Name: "proj", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"},
					Items: []corev1.KeyToPath{{Key: "a", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
			}}}},
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	ctx := context.Background()
	dirs, err := w.write(ctx, podFacts{Pod: pod})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dirs["template"], "conf/my.cnf")); got != "[mysqld]\n" {
		t.Errorf("secret item: %q", got)
	}
	if m := fileMode(t, filepath.Join(dirs["template"], "conf/my.cnf")); m != 0o600 {
		t.Errorf("secret item mode %o", m)
	}
	if _, err := os.Stat(filepath.Join(dirs["template"], "other")); !os.IsNotExist(err) {
		t.Errorf("a key outside the items was written: %v", err)
	}
	if readFile(t, filepath.Join(dirs["cm"], "a")) != "A" || readFile(t, filepath.Join(dirs["cm"], "b")) != "\x00\x01" ||
		fileMode(t, filepath.Join(dirs["cm"], "a")) != 0o440 {
		t.Error("configmap volume")
	}
	if entries, err := os.ReadDir(dirs["gone"]); err != nil || len(entries) != 0 {
		t.Errorf("optional missing secret: %v %v", entries, err)
	}
	if readFile(t, filepath.Join(dirs["info"], "labels")) != "a=\"1\"\nb=\"2\"" {
		t.Error("downward API volume")
	}
	if readFile(t, filepath.Join(dirs["proj"], "ca.crt")) != "A" || readFile(t, filepath.Join(dirs["proj"], "namespace")) != "ns" {
		t.Error("projected volume")
	}
	if err := os.WriteFile(filepath.Join(dirs["scratch"], "kept"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Written again: a key removed from the ConfigMap goes, emptyDir content stays.
	delete(cm.BinaryData, "b")
	if err := c.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if _, err := w.write(ctx, podFacts{Pod: pod}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dirs["cm"], "b")); !os.IsNotExist(err) {
		t.Errorf("removed key still there: %v", err)
	}
	if readFile(t, filepath.Join(dirs["scratch"], "kept")) != "x" {
		t.Error("emptyDir lost its content")
	}
}

func TestVolumesThatCannotBeMountedYet(t *testing.T) {
	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "ns"}}
	bound := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "bound", Namespace: "ns"},
		Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv-7"}, Status: corev1.PersistentVolumeClaimStatus{
			Phase: corev1.ClaimBound}}
	w, _ := volumeTestWriter(t, claim, bound)
	for name, src := range map[string]corev1.VolumeSource{
		"missing secret": {Secret: &corev1.SecretVolumeSource{SecretName: "nope"}},
		"unbound claim":  {PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}},
		"unsupported":    {NFS: &corev1.NFSVolumeSource{Server: "x", Path: "/"}},
	} {
		pod := envPod()
		pod.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: src}}
		if _, err := w.write(context.Background(), podFacts{Pod: pod}); !errors.Is(err, errMount) {
			t.Errorf("%s: %v, want a mount error", name, err)
		}
	}
	pod := envPod()
	pod.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "bound"}}}}
	dirs, err := w.write(context.Background(), podFacts{Pod: pod})
	if err != nil || dirs["v"] != filepath.Join(w.runnerDir, "persistent", "pv-7") {
		t.Fatalf("bound claim: %v %v", dirs, err)
	}
}
