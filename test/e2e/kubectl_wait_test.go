package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/controlplane"
)

// `kubectl wait --for=condition=Ready` returns only once the cluster converged to the generation it was given:
// after the create, a scale-up, a configuration change and an upgrade, each time the members already run what
// was asked when it returns (kubectl checks the condition's observedGeneration against the generation).
func kubectlWaitConverges(t *testing.T, h *harness) {
	bins, err := controlplane.FindBinaries(true, false)
	if err != nil {
		t.Fatal(err)
	}
	kubectl := filepath.Join(bins.Dir, "kubectl")
	c := h.createSample(t)
	wait := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, kubectl, "--kubeconfig", h.CP.Kubeconfig, "-n", c.obj.Namespace,
			"wait", "--for=condition=Ready", "--timeout=200s", "innodbcluster/"+c.obj.Name).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl wait after %s: %v: %s", what, err, out)
		}
		got := c.get()
		if got.Status.ObservedGeneration != got.Generation {
			t.Fatalf("after %s: kubectl wait returned at observedGeneration %d of generation %d", what,
				got.Status.ObservedGeneration, got.Generation)
		}
	}
	wait("create")
	if _, err := c.online(); err != nil {
		t.Fatalf("Ready after create, yet: %v", err)
	}
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Instances = 4 })
	wait("scale to 4")
	if got := c.get(); got.Status.OnlineInstances != 4 {
		t.Fatalf("Ready after scaling to 4 with %d members ONLINE", got.Status.OnlineInstances)
	}
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Mycnf = "max_connections=300" })
	wait("config change")
	for pod := range c.pods() {
		if v, _ := c.member(pod).Var("max_connections"); v != "300" {
			t.Fatalf("Ready after the config change while %s runs max_connections=%s", pod, v)
		}
	}
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Version = "8.4.4" })
	wait("upgrade")
	for pod := range c.pods() {
		if v := c.member(pod).Version(); v != "8.4.4" {
			t.Fatalf("Ready after the upgrade while %s runs %s", pod, v)
		}
	}
}
