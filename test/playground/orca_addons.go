package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/controlplane"
)

// Orca's pieces of the playground, in order: the CRDs, the simulated members, the S3 server, the pod runner (the
// routers, backup Jobs and migration Pods run for real), `orca operator` as a detached process, the samples, the
// wait for the sample's router, and the migration sample wired to it.
func init() {
	addons = append(addons, crdAddon{}, simworldAddon{}, s3Addon{}, podsAddon{}, operatorAddon{}, samplesAddon{},
		routerAddon{}, migrationAddon{})
}

type crdAddon struct{}

func (crdAddon) Name() string { return "crds" }

func (crdAddon) Up(_ context.Context, env *Env) error {
	_, err := envtest.InstallCRDs(env.ControlPlane.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(env.WorkDir, "config", "crd", "bases")}, ErrorIfPathMissing: true,
	})
	if err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	return nil
}

// simworldAddon runs bin/simworld: a MariaDB for the data and one simulated MySQL 8.4 member per member pod,
// each on its own 127.0.0.N, published in members.json for the operator.
type simworldAddon struct{}

func (simworldAddon) Name() string { return "simworld" }

func (simworldAddon) Up(_ context.Context, env *Env) error {
	bin := filepath.Join(env.WorkDir, "bin", "simworld")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s missing: run `make playground` (it builds it): %w", bin, err)
	}
	dir, err := env.Dir("simworld")
	if err != nil {
		return err
	}
	p, err := env.Start(controlplane.ProcessSpec{Name: "simworld", Path: bin,
		Args: []string{"--start-mariadb", filepath.Join(dir, "mariadb"),
			"--member-map", filepath.Join(env.StateDir, "members.json")}})
	if err != nil {
		return err
	}
	select {
	case <-p.Done():
		return fmt.Errorf("simworld exited at once; see %s", filepath.Join(env.StateDir, "simworld.log"))
	case <-time.After(3 * time.Second):
	}
	env.Note("simulated MySQL members: log %s; control API http://127.0.0.1:8090/clusters",
		filepath.Join(env.StateDir, "simworld.log"))
	return nil
}

// operatorAddon runs bin/orca (built by `make playground`) against the playground.
type operatorAddon struct{}

func (operatorAddon) Name() string { return "orca-operator" }

func (operatorAddon) Up(_ context.Context, env *Env) error {
	bin := filepath.Join(env.WorkDir, "bin", "orca")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s missing: run `make playground` (it builds it): %w", bin, err)
	}
	p, err := env.Start(controlplane.ProcessSpec{Name: "orca-operator", Path: bin,
		Args: []string{"operator", "--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--hooks-bind-address=" + playgroundHooks,
			"--orca-image=" + orcaImage,
			// Members are reached only through loopback addresses the simulator publishes: the playground's pod
			// IPs and cluster DNS names are fake and must never be dialled or resolved.
			"--dev-member-map=" + filepath.Join(env.StateDir, "members.json"),
			"--dns-bind-address=" + playgroundDNS}})
	if err != nil {
		return err
	}
	select {
	case <-p.Done():
		return fmt.Errorf("orca operator exited at once; see %s", filepath.Join(env.StateDir, "orca-operator.log"))
	case <-time.After(2 * time.Second):
	}
	env.Note("orca operator log: %s", filepath.Join(env.StateDir, "orca-operator.log"))
	env.Note("DNS SRV records on %s: dig @127.0.0.1 -p 5354 SRV _mysqlx._tcp.mycluster.default.mysql.orca.internal",
		playgroundDNS)
	return nil
}

// playgroundDNS is where the operator answers the records' zone (docs/dns.md).
const playgroundDNS = "127.0.0.1:5354"

// samplesAddon creates config/samples in the default namespace, each with a router (`router: {}`, two
// routers) unless it asks for its own: the playground shows the router, and the sample file itself stays the
// plain cluster the end-to-end matrix creates.
type samplesAddon struct{}

func (samplesAddon) Name() string { return "samples" }

func (samplesAddon) Up(ctx context.Context, env *Env) error {
	scheme, err := operator.NewScheme()
	if err != nil {
		return err
	}
	c, err := client.New(env.ControlPlane.Config, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	samples, err := loadSamples(env.WorkDir)
	if err != nil {
		return err
	}
	for _, ic := range samples {
		if err := c.Create(ctx, ic); client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("create %s: %w", ic.Name, err)
		}
		env.Note("sample InnoDBCluster default/%s created: kubectl get ic,sts,deploy,pods -n default", ic.Name)
	}
	others, err := loadOtherSamples(env.WorkDir)
	if err != nil {
		return err
	}
	for _, o := range others {
		if err := c.Create(ctx, o); client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("create %s: %w", o.GetName(), err)
		}
		if _, ok := o.(*v1.MySQLBackup); ok {
			env.Note("sample MySQLBackup default/%s created: kubectl get mbk -w (it runs once the group is ONLINE; "+
				"its Job runs orca backup for real into the playground's S3 server)", o.GetName())
		}
	}
	env.Note("MySQL pods are SIMULATED by kwok and their servers by test/mysqlsim (data in a real MariaDB):")
	env.Note("  kubectl get ic -w   shows the group come ONLINE with a primary")
	return nil
}

// loadSamples decodes the InnoDBClusters of config/samples for the default namespace, with a router.
func loadSamples(workDir string) ([]*v1.InnoDBCluster, error) {
	scheme, err := operator.NewScheme()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(workDir, "config", "samples", "mysql_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("find samples: %w", err)
	}
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	var out []*v1.InnoDBCluster
	for _, f := range files {
		objs, err := decodeSample(decoder, f)
		if err != nil {
			return nil, err
		}
		for _, obj := range objs {
			ic, ok := obj.(*v1.InnoDBCluster)
			if !ok {
				continue
			}
			ic.Namespace = "default"
			if ic.Spec.Router == nil {
				ic.Spec.Router = &v1.RouterSpec{}
			}
			out = append(out, ic)
		}
	}
	return out, nil
}

// decodeSample decodes every document of a sample file.
func decodeSample(decoder runtime.Decoder, file string) ([]runtime.Object, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read sample: %w", err)
	}
	var out []runtime.Object
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		obj, _, err := decoder.Decode([]byte(doc), nil, nil)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", file, err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// loadOtherSamples decodes the objects of config/samples other than InnoDBClusters (the sample backup and its
// S3 Secret) for the default namespace.
func loadOtherSamples(workDir string) ([]client.Object, error) {
	scheme, err := operator.NewScheme()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(workDir, "config", "samples", "mysql_*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("find samples: %w", err)
	}
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	var out []client.Object
	for _, f := range files {
		objs, err := decodeSample(decoder, f)
		if err != nil {
			return nil, err
		}
		for _, obj := range objs {
			if o, ok := obj.(client.Object); ok {
				if _, cluster := obj.(*v1.InnoDBCluster); !cluster {
					o.SetNamespace("default")
					out = append(out, o)
				}
			}
		}
	}
	return out, nil
}
