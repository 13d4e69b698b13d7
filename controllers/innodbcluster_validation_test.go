package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/specs/mycnftest"
)

// The API server itself refuses bad specs with the CRD's messages; these run against the real apiserver.
func TestInvalidSpecsAreRejectedOnCreate(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name   string
		mutate func(*v1.InnoDBCluster)
		want   string
	}{
		{"too many instances", func(c *v1.InnoDBCluster) { c.Spec.Instances = 10 }, "should be less than or equal to 9"},
		{"negative instances", func(c *v1.InnoDBCluster) { c.Spec.Instances = -1 }, "should be greater than or equal to 1"},
		{"bad version", func(c *v1.InnoDBCluster) { c.Spec.Version = "5.7.40" }, "spec.version"},
		{"version 10", func(c *v1.InnoDBCluster) { c.Spec.Version = "10.0.1" }, "spec.version"},
		{"8.0 before 8.0.27", func(c *v1.InnoDBCluster) { c.Spec.Version = "8.0.26" },
			"MySQL 8.0 releases before 8.0.27 are not supported: Orca needs the MYSQL communication stack"},
		{"owned option in mycnf", func(c *v1.InnoDBCluster) { c.Spec.Mycnf = "max_connections=10\nserver_id = 7\n" },
			"mycnf may not set server_id: Orca owns this option"},
		{"bootstrap in mycnf", func(c *v1.InnoDBCluster) {
			c.Spec.Mycnf = "# a comment\ngroup_replication_bootstrap_group=ON\n"
		}, "mycnf may not set group_replication_bootstrap_group"},
		{"Orca's CA and a user's certificate", func(c *v1.InnoDBCluster) {
			c.Spec.TLSUseSelfSigned, c.Spec.TLSSecretName = true, "tls"
		}, "tlsUseSelfSigned asks for Orca's own CA and tlsSecretName for your certificate: set one of them"},
		{"CA secret alone", func(c *v1.InnoDBCluster) { c.Spec.TLSCASecretName = "ca" },
			"tlsCASecretName names the CA of the certificate in tlsSecretName: set tlsSecretName too"},
		{"too many routers", func(c *v1.InnoDBCluster) { c.Spec.Router = &v1.RouterSpec{Instances: ptr.To[int32](65)} },
			"spec.router.instances: Invalid value: 65: spec.router.instances in body should be less than or equal to 64"},
		{"negative routers", func(c *v1.InnoDBCluster) { c.Spec.Router = &v1.RouterSpec{Instances: ptr.To[int32](-1)} },
			"spec.router.instances in body should be greater than or equal to 0"},
		{"bad pull policy", func(c *v1.InnoDBCluster) { c.Spec.ImagePullPolicy = "Sometimes" }, "spec.imagePullPolicy"},
		{"restore point without a base backup", func(c *v1.InnoDBCluster) {
			c.Spec.InitDB = &v1.InitDBSpec{RestorePoint: "latest"}
		}, "initDB.restorePoint replays the binary log archive onto initDB.dump: name the base backup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(ns, "bad")
			tt.mutate(c)
			err := k8s.Create(context.Background(), c)
			if err == nil {
				t.Fatalf("accepted an invalid spec")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// The router is real now: a router object is accepted with 0 to 64 instances, and one without instances runs the
// default two (the CRD's default), while an explicit 0 stays 0.
func TestRouterSpecsAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name   string
		router *v1.RouterSpec
		want   int32
	}{
		{"empty router object", &v1.RouterSpec{}, 2},
		{"no routers", &v1.RouterSpec{Instances: ptr.To[int32](0)}, 0},
		{"most routers", &v1.RouterSpec{Instances: ptr.To[int32](64)}, 64},
	}
	for i, tt := range tests {
		c := newCluster(ns, fmt.Sprintf("router-%d", i))
		c.Spec.Router = tt.router
		if err := k8s.Create(context.Background(), c); err != nil {
			t.Errorf("%s refused: %v", tt.name, err)
			continue
		}
		if got := c.Spec.Router.Instances; got == nil || *got != tt.want {
			t.Errorf("%s: instances %v, want %d", tt.name, got, tt.want)
		}
	}
	// Added to a running cluster, too.
	createCluster(t, newCluster(ns, "later"))
	if err := update(t, key(ns, "later"), func(c *v1.InnoDBCluster) { c.Spec.Router = &v1.RouterSpec{} }); err != nil {
		t.Fatalf("adding a router later was refused: %v", err)
	}
}

func TestSupportedVersionsAreAccepted(t *testing.T) {
	ns := newNamespace(t)
	for i, version := range []string{"8.0.27", "8.0.40", "8.4.3", "9.1.0", "9.10.12"} {
		c := newCluster(ns, fmt.Sprintf("v%d", i))
		c.Spec.Version = version
		if err := k8s.Create(context.Background(), c); err != nil {
			t.Errorf("version %s refused: %v", version, err)
		}
	}
}

// Every name of specs.OwnedOptions, in every spelling mysqld accepts, is refused by the CRD on the real
// apiserver, and the message names the option as the user wrote it.
func TestMycnfRefusesEveryOwnedOptionInEverySpelling(t *testing.T) {
	ns := newNamespace(t)
	var lines []string
	for _, name := range specs.OwnedOptions {
		lines = append(lines, mycnftest.Spellings(name)...)
		lines = append(lines, mycnftest.Modified(name)...)
	}
	for _, family := range specs.OwnedOptionFamilies {
		for _, name := range []string{family, family + "_start_on_boot", family + "_single_primary_mode"} {
			lines = append(lines, mycnftest.Spellings(name)...)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, line := range lines {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := checkRefused(ns, fmt.Sprintf("owned-%d", i), line); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(lines) < 400 {
		t.Fatalf("only %d spellings checked", len(lines))
	}
}

func checkRefused(ns, name, line string) error {
	c := newCluster(ns, name)
	c.Spec.Mycnf = "# tuning\nmax_connections=10\n" + line + "\ninnodb_buffer_pool_size=1G\n"
	err := k8s.Create(context.Background(), c)
	if err == nil {
		return fmt.Errorf("mycnf line %q accepted", line)
	}
	option, _, _ := strings.Cut(line, "=")
	option, _, _ = strings.Cut(option, "#")
	if want := "mycnf may not set " + strings.TrimSpace(option) + ": "; !strings.Contains(err.Error(), want) {
		return fmt.Errorf("mycnf line %q: error does not say %q: %w", line, want, err)
	}
	return nil
}

func TestMycnfAcceptsOrdinaryOptions(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "tuned")
	c.Spec.Mycnf = strings.Join(mycnftest.Ordinary, "\n")
	if err := k8s.Create(context.Background(), c); err != nil {
		t.Fatalf("ordinary options refused: %v", err)
	}
}

// Cluster names: the StatefulSet labels its pods controller-revision-hash=<name>-<10-character hash>, a label
// value of at most 63 characters, so 52 is the longest name whose members can exist.
func TestClusterNameLimit(t *testing.T) {
	ns := newNamespace(t)
	for _, n := range []int{53, 60} {
		c := newCluster(ns, "a"+strings.Repeat("b", n-1))
		err := k8s.Create(context.Background(), c)
		if err == nil || !strings.Contains(err.Error(), "metadata.name must be at most 52 characters") ||
			!strings.Contains(err.Error(), "controller-revision-hash") {
			t.Errorf("%d-character name: %v", n, err)
		}
	}
	if err := k8s.Create(context.Background(), newCluster(ns, "1db")); err == nil ||
		!strings.Contains(err.Error(), "DNS-1035") {
		t.Errorf("a name starting with a digit: %v", err)
	}

	name := "a" + strings.Repeat("b", 51)
	c := newCluster(ns, name)
	c.Spec.Instances = 1
	createCluster(t, c)
	runMemberPod(t, c, 0)
	eventually(t, wait, func() error {
		var got v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, name), &got); err != nil {
			return err
		}
		rr := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionResourcesReady))
		if rr == nil || rr.Reason != string(v1.ReasonApplied) {
			return fmt.Errorf("ResourcesReady %+v", rr)
		}
		return nil
	})
}

// runMemberPod creates a member pod as the StatefulSet controller would, labelled with a revision hash of the
// StatefulSet's length, and marks it Running as a kubelet would (envtest runs neither).
func runMemberPod(t *testing.T, c *v1.InnoDBCluster, ordinal int) {
	t.Helper()
	labels := specs.SelectorLabels(c)
	labels["controller-revision-hash"] = c.Name + "-7d9f8c6b5a"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: specs.PodName(c, ordinal),
		Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql:8.4.3"}}}}
	ctx := context.Background()
	if err := k8s.Create(ctx, pod); err != nil {
		t.Fatalf("create member pod: %v", err)
	}
	pod.Status.Phase = corev1.PodRunning
	if err := k8s.Status().Update(ctx, pod); err != nil {
		t.Fatalf("run member pod: %v", err)
	}
}

func TestInvalidSpecChangesAreRejectedOnUpdate(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.DatadirVolumeClaimTemplate = &v1.DatadirVolumeClaim{Storage: "10Gi", StorageClassName: ptr.To("fast")}
	createCluster(t, c)
	tests := []struct {
		name   string
		mutate func(*v1.InnoDBCluster)
		want   string
	}{
		{"shrink volume", func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.Storage = "5Gi" }, "cannot shrink"},
		{"change storage class", func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.StorageClassName = ptr.To("slow") },
			"storageClassName is immutable"},
		{"change base server id", func(c *v1.InnoDBCluster) { c.Spec.BaseServerID = 5 }, "baseServerId is immutable"},
		{"set secret name later", func(c *v1.InnoDBCluster) { c.Spec.SecretName = "other" }, "secretName is immutable"},
		{"add too many routers later", func(c *v1.InnoDBCluster) { c.Spec.Router = &v1.RouterSpec{Instances: ptr.To[int32](100)} },
			"should be less than or equal to 64"},
		{"TLS secret later", func(c *v1.InnoDBCluster) { c.Spec.TLSSecretName = "tls" },
			"tlsSecretName and tlsCASecretName are immutable"},
		{"owned option later", func(c *v1.InnoDBCluster) { c.Spec.Mycnf = "Loose-Skip-Log-Bin\n" },
			"mycnf may not set Loose-Skip-Log-Bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := update(t, key(ns, "db"), tt.mutate)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("update error %v, want it to say %q", err, tt.want)
			}
		})
	}
	// Growing the volume is allowed.
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.Storage = "20Gi" }); err != nil {
		t.Fatalf("growing the volume was refused: %v", err)
	}
}

func TestVersionCannotGoDown(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.Version = "8.4.3"
	createCluster(t, c)
	for _, down := range []string{"8.0.40", "8.4.2"} {
		if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Version = down }); err == nil ||
			!strings.Contains(err.Error(), "version cannot go down") {
			t.Fatalf("downgrade to %s: %v", down, err)
		}
	}
	for _, up := range []string{"8.4.10", "9.0.1"} {
		if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Version = up }); err != nil {
			t.Fatalf("upgrade to %s refused: %v", up, err)
		}
	}
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Version = "8.4.12" }); err == nil ||
		!strings.Contains(err.Error(), "version cannot go down") {
		t.Fatalf("9.0.1 -> 8.4.12: %v", err)
	}
}
