package crddrift

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/config/crd"
)

// DefaultInterval is how often the checker reads the installed CRDs again (a CRD upgrade is seen that late).
const DefaultInterval = time.Minute

var driftGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "orca_crd_schema_drift",
	Help: "1 when the installed CRD differs from the one this operator was built with, else 0.",
}, []string{"crd"})

// RegisterMetrics adds the checker's metric to reg; registering twice (two operators in one test process) is
// fine.
func RegisterMetrics(reg prometheus.Registerer) error {
	var already prometheus.AlreadyRegisteredError
	if err := reg.Register(driftGauge); err != nil && !errors.As(err, &already) {
		return fmt.Errorf("register orca_crd_schema_drift: %w", err)
	}
	return nil
}

// Checker compares the installed CRDs with the built ones at start and every Interval, on every replica.
type Checker struct {
	// Reader reads the installed CRDs (uncached: a handful of GETs per Interval).
	Reader client.Reader
	// Built are the CRDs the operator was built with; nil loads config/crd's embedded bases.
	Built []*apiextensionsv1.CustomResourceDefinition
	// Interval between checks. Default DefaultInterval.
	Interval time.Duration
	Log      logr.Logger

	drifts atomic.Pointer[map[string]Drift]
}

// NeedLeaderElection is false: every replica reports drift in its own log.
func (*Checker) NeedLeaderElection() bool { return false }

// Start checks until ctx ends.
func (c *Checker) Start(ctx context.Context) error {
	if c.Built == nil {
		built, err := Embedded()
		if err != nil {
			return err
		}
		c.Built = built
	}
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	for {
		c.Check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// Check compares once, logs what changed since the last check and updates the metric.
func (c *Checker) Check(ctx context.Context) {
	now := map[string]Drift{}
	for _, b := range c.Built {
		var installed apiextensionsv1.CustomResourceDefinition
		err := c.Reader.Get(ctx, client.ObjectKey{Name: b.Name}, &installed)
		switch {
		case apierrors.IsNotFound(err):
			now[b.Name] = Compare(b, nil)
		case err != nil:
			c.Log.Error(err, "read the installed CRD", "crd", b.Name)
			continue
		default:
			now[b.Name] = Compare(b, &installed)
		}
	}
	before := c.drifts.Swap(&now)
	for name, d := range now {
		if before == nil || (*before)[name].Summary() != d.Summary() {
			c.report(d)
		}
	}
}

func (c *Checker) report(d Drift) {
	value := 0.0
	if d.Drifted() {
		value = 1
		c.Log.Error(nil, "installed CRD differs from this operator's", "crd", d.CRD, "drift", d.Summary(),
			"missingFields", d.Missing, "unknownFields", d.Unknown)
	} else {
		c.Log.Info("installed CRD matches this operator's", "crd", d.CRD)
	}
	driftGauge.WithLabelValues(d.CRD).Set(value)
}

// Drift returns the last comparison of one CRD, and false before the first check.
func (c *Checker) Drift(name string) (Drift, bool) {
	m := c.drifts.Load()
	if m == nil {
		return Drift{}, false
	}
	d, ok := (*m)[name]
	return d, ok
}

// Embedded parses the CRDs in config/crd/bases.
func Embedded() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := fs.Glob(crd.Bases, "bases/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list embedded CRDs: %w", err)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		b, err := crd.Bases.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		var c apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		out = append(out, &c)
	}
	return out, nil
}
