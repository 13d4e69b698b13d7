package crddrift

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/testutil"
)

// On a real apiserver: the CRDs as make manifests wrote them match (the server's defaulting adds nothing that
// counts as drift); an older InnoDBCluster CRD put in their place is reported with the stripped fields, and the
// repaired one is reported as matching again.
func TestCheckerOnARealAPIServer(t *testing.T) {
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	s := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ch := &Checker{Reader: c, Log: logr.Discard()}
	if ch.Built, err = Embedded(); err != nil {
		t.Fatal(err)
	}
	ch.Check(ctx)
	for _, b := range ch.Built {
		if d, ok := ch.Drift(b.Name); !ok || d.Drifted() {
			t.Fatalf("freshly installed %s reported as drifted: %s", b.Name, d.Summary())
		}
	}
	replaceSchema(ctx, t, c, olderStatus(t))
	testutil.Eventually(t, 10*time.Second, func() error {
		ch.Check(ctx)
		return wantMissing(ch, []string{"v1alpha1.status.lastProbeTime", "v1alpha1.status.members[].zone"})
	})
	replaceSchema(ctx, t, c, builtCRD(t))
	testutil.Eventually(t, 10*time.Second, func() error {
		ch.Check(ctx)
		return wantMissing(ch, nil)
	})
}

func replaceSchema(ctx context.Context, t *testing.T, c client.Client, want *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	var cur apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, client.ObjectKey{Name: want.Name}, &cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Versions = want.Spec.Versions
	if err := c.Update(ctx, &cur); err != nil {
		t.Fatal(err)
	}
}

type driftError struct{ got Drift }

func (e driftError) Error() string { return "drift: " + e.got.Summary() }

func wantMissing(ch *Checker, want []string) error {
	d, _ := ch.Drift("innodbclusters.mysql.orca.dev")
	if !slices.Equal(d.Missing, want) || (want == nil && d.Drifted()) {
		return driftError{d}
	}
	return nil
}
