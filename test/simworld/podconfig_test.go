package simworld

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// memberPod builds pod <cluster>-<ordinal> from the StatefulSet Orca renders, as the StatefulSet controller does.
func memberPod(t *testing.T, c *v1.InnoDBCluster, ordinal int, zone string) *corev1.Pod {
	t.Helper()
	sts, err := specs.StatefulSet(c, specs.StatefulSetOptions{OrcaImage: "orca:test", ClusterZone: zone})
	if err != nil {
		t.Fatal(err)
	}
	name := specs.PodName(c, ordinal)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: sts.Spec.Template.Labels},
		Spec:       *sts.Spec.Template.Spec.DeepCopy(),
	}
	for _, tmpl := range sts.Spec.VolumeClaimTemplates {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: tmpl.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: tmpl.Name + "-" + name}}})
	}
	return pod
}

func testCluster() *v1.InnoDBCluster {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"}}
	c.Spec.BaseServerID = 4000
	c.Spec.Version = "8.4.5"
	c.Spec.Mycnf = "max_connections=321\n"
	c.SetDefaults()
	return c
}

func TestReadPodFollowsTheStatefulSet(t *testing.T) {
	c := testCluster()
	refs, err := readPod(memberPod(t, c, 2, "example.internal"))
	if err != nil {
		t.Fatal(err)
	}
	want := podRefs{Cluster: "db", ConfigMap: specs.ConfigMapName(c), Secret: specs.CredentialsSecretName(c),
		SecretKey: specs.KeyRootPassword, Claim: "datadir-db-2", Image: "mysql:8.4.5", SkipTZInfo: true,
		Init: initFlags{BaseServerID: 4000, Service: specs.HeadlessServiceName(c), ClusterZone: "example.internal",
			TLSMemberCerts: true},
		SecretMounts: []secretMount{{Path: specs.TLSDir, Secret: specs.ServerTLSSecretName(c)},
			{Path: specs.TLSCADir, Secret: specs.TrustSecretName(c), Items: map[string]string{"ca.crt": "ca.crt"}}}}
	if !reflect.DeepEqual(refs, want) {
		t.Fatalf("refs\n got %+v\nwant %+v", refs, want)
	}
	for file, key := range map[string]string{specs.TLSDir + "/db-2.crt": "db-2.crt", specs.TLSCADir + "/ca.crt": "ca.crt"} {
		if _, k, ok := refs.resolve(file); !ok || k != key {
			t.Errorf("resolve(%s) = %q, %v; want key %s", file, k, ok, key)
		}
	}
	if _, _, ok := refs.resolve(specs.TLSCADir + "/other"); ok {
		t.Error("a file outside the projected items resolves")
	}
	if got := memberHost("db-2", "shop", refs.Init); got != specs.MemberHost(c, 2, "example.internal") {
		t.Fatalf("memberHost = %q, specs.MemberHost = %q", got, specs.MemberHost(c, 2, "example.internal"))
	}
}

func TestReadPodRejectsForeignPods(t *testing.T) {
	c := testCluster()
	noInit := memberPod(t, c, 0, "")
	noInit.Spec.InitContainers = nil
	noLabel := memberPod(t, c, 0, "")
	delete(noLabel.Labels, v1.LabelCluster)
	plainPassword := memberPod(t, c, 0, "")
	plainPassword.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MYSQL_ROOT_PASSWORD", Value: "x"}}
	for name, pod := range map[string]*corev1.Pod{"no init": noInit, "no label": noLabel, "plain": plainPassword} {
		if _, err := readPod(pod); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestImageVersion(t *testing.T) {
	for image, want := range map[string]string{
		"mysql:8.4.3":                           "8.4.3",
		"mysql/mysql-server:8.4.6-oraclelinux9": "8.4.6",
		"registry:5000/mysql:8.4.1@sha256:abc":  "8.4.1",
		"registry:5000/mysql":                   "",
		"mysql":                                 "",
		"mysql:latest":                          "",
	} {
		if got := imageVersion(image); got != want {
			t.Errorf("imageVersion(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestParseInitFlags(t *testing.T) {
	f, err := parseInitFlags([]string{"/orca", "init", "--service=s", "--base-server-id", "7"})
	if err != nil || f != (initFlags{BaseServerID: 7, Service: "s", ClusterZone: specs.ClusterZone}) {
		t.Fatalf("flags %+v, %v", f, err)
	}
	for _, bad := range [][]string{{"/orca", "operator"}, {"/orca", "init"}, {"/orca", "init", "--service=s", "--bogus"}} {
		if _, err := parseInitFlags(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The configuration built from a real pod boots in the simulator (every my.cnf option Orca renders is known
// to it) with the identity mysqld in that pod would have.
func TestMemberConfigBootsAsThePodsMysqld(t *testing.T) {
	c := testCluster()
	pod := memberPod(t, c, 1, "")
	refs, err := readPod(pod)
	if err != nil {
		t.Fatal(err)
	}
	groupName := "6f0c3d62-3b43-4b77-9a0e-2f1f4a8c9d10"
	cfg, err := memberConfig(memberInput{Pod: pod.Name, Namespace: pod.Namespace, Refs: refs,
		SharedCnf: specs.RenderMyCnf(c, groupName), RootPassword: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 3306 || cfg.XPort != 33060 || cfg.Version != "8.4.5" || cfg.Name != "db-1" {
		t.Fatalf("config %+v", cfg)
	}
	cfg.Host = "127.0.0.1"
	g, err := mysqlsim.NewGroup(mysqlsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = g.Close() }()
	m, err := g.AddMember(cfg)
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	host := specs.MemberHost(c, 1, "")
	for name, want := range map[string]string{
		"server_id":                       "4001",
		"report_host":                     host,
		"group_replication_local_address": host + ":3306", // communication stack MYSQL: XCom on the classic port
		"group_replication_group_name":    groupName,
		"group_replication_start_on_boot": "OFF",
		"max_connections":                 "321",
		"gtid_mode":                       "ON",
		"version":                         "8.4.5",
	} {
		if got, _ := m.Var(name); !strings.EqualFold(got, want) {
			t.Errorf("@@%s = %q, want %q", name, got, want)
		}
	}
	if got := m.GroupMembers(); len(got) != 1 || got[0].Host != host {
		t.Errorf("replication_group_members %+v, want MEMBER_HOST %s", got, host)
	}
	if acct, ok := m.LookupAccount("root", "10.0.0.1"); !ok || acct.Password != "s3cret" {
		t.Errorf("root@%% account %+v (found %v)", acct, ok)
	}
	// mysqld is PID 1 of the official image, with no supervisor to restart it.
	s, err := m.RootSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var serr *mysqlsim.Error
	if _, err := m.Exec(context.Background(), s, "RESTART"); !errors.As(err, &serr) || serr.Code != 3707 {
		t.Errorf("RESTART without a supervisor: %v, want ER 3707", err)
	}
}

func TestMysqldParentPIDMeansSupervised(t *testing.T) {
	pod := memberPod(t, testCluster(), 0, "")
	pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env, corev1.EnvVar{Name: "MYSQLD_PARENT_PID", Value: "1"})
	refs, err := readPod(pod)
	if err != nil || !refs.Supervised {
		t.Fatalf("refs %+v, %v", refs, err)
	}
	cfg, err := memberConfig(memberInput{Pod: pod.Name, Namespace: pod.Namespace, Refs: refs,
		SharedCnf: "[mysqld]\n"})
	if err != nil || cfg.Unsupervised {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}
