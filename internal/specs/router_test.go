package specs

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func routerCluster(members, routers int32) *v1.InnoDBCluster {
	c := cluster(members)
	c.Spec.Router = &v1.RouterSpec{Instances: ptr.To(routers)}
	return c
}

func routerDeployment(c *v1.InnoDBCluster) *appsv1.Deployment {
	return RouterDeployment(c, RouterOptions{OrcaImage: "orca:test", ClusterZone: "example.org",
		CredentialsFingerprint: "fp"})
}

// The command is the fixed contract with `orca router`: every desired member on the classic port, MySQL
// Router's ports, the member X port and the HTTP address.
func TestRouterCommand(t *testing.T) {
	got := strings.Join(RouterCommand(routerCluster(3, 2), "example.org"), " ")
	want := "/orca router --members " +
		"db-0.db-instances.team-a.svc.example.org:3306,db-1.db-instances.team-a.svc.example.org:3306," +
		"db-2.db-instances.team-a.svc.example.org:3306 --cluster db --namespace team-a --rw-port 6446 " +
		"--ro-port 6447 --x-rw-port 6448 --x-ro-port 6449 --member-x-port 33060 --http-bind-address :8080 " +
		"--tls-ca-file /etc/orca/tls-ca/ca.crt"
	if got != want {
		t.Fatalf("command\n got %s\nwant %s", got, want)
	}
	if zoneless := strings.Join(RouterCommand(routerCluster(1, 2), ""), " "); !strings.Contains(zoneless,
		"--members db-0.db-instances.team-a.svc.cluster.local:3306 --cluster") {
		t.Fatalf("default zone: %s", zoneless)
	}
}

func TestRouterDeploymentShape(t *testing.T) {
	d := routerDeployment(routerCluster(3, 2))
	s := d.Spec
	if d.Name != "db-router" || d.Namespace != "team-a" || *s.Replicas != 2 {
		t.Fatalf("name %s/%s replicas %d", d.Namespace, d.Name, *s.Replicas)
	}
	wantSelector := map[string]string{v1.LabelCluster: "db", v1.LabelComponent: v1.ComponentRouter}
	if !reflect.DeepEqual(s.Selector.MatchLabels, wantSelector) {
		t.Errorf("selector %v", s.Selector.MatchLabels)
	}
	for k, v := range wantSelector {
		if s.Template.Labels[k] != v {
			t.Errorf("pod label %s=%q, want %q", k, s.Template.Labels[k], v)
		}
	}
	ru := s.Strategy.RollingUpdate
	if s.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru.MaxUnavailable.IntValue() != 0 ||
		ru.MaxSurge.IntValue() != 1 {
		t.Errorf("strategy %+v", s.Strategy)
	}
	pod := s.Template.Spec
	if *pod.TerminationGracePeriodSeconds != 40 || *pod.AutomountServiceAccountToken || *pod.EnableServiceLinks {
		t.Errorf("grace %d automount %v service links %v", *pod.TerminationGracePeriodSeconds,
			*pod.AutomountServiceAccountToken, *pod.EnableServiceLinks)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("containers %d init %d", len(pod.Containers), len(pod.InitContainers))
	}
	ctr := pod.Containers[0]
	if ctr.Name != "router" || ctr.Image != "orca:test" || ctr.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("container %s image %s pull %s", ctr.Name, ctr.Image, ctr.ImagePullPolicy)
	}
	if !reflect.DeepEqual(ctr.Command, RouterCommand(routerCluster(3, 2), "example.org")) || len(ctr.Args) != 0 {
		t.Errorf("command %v args %v", ctr.Command, ctr.Args)
	}
	checkRouterEnv(t, ctr.Env)
	checkRouterPorts(t, ctr.Ports)
	checkRouterProbes(t, &ctr)
}

func checkRouterEnv(t *testing.T, env []corev1.EnvVar) {
	t.Helper()
	want := map[string]string{EnvRouterUser: KeyRouterUser, EnvRouterPassword: KeyRouterPassword}
	if len(env) != len(want) {
		t.Fatalf("env %+v", env)
	}
	for _, e := range env {
		ref := e.ValueFrom.SecretKeyRef
		if ref == nil || ref.Name != "db-internal" || ref.Key != want[e.Name] || ptr.Deref(ref.Optional, false) {
			t.Errorf("env %s from %+v, want required db-internal key %s", e.Name, ref, want[e.Name])
		}
	}
}

func checkRouterPorts(t *testing.T, ports []corev1.ContainerPort) {
	t.Helper()
	want := map[string]int32{"mysql-rw": 6446, "mysql-ro": 6447, "mysqlx-rw": 6448, "mysqlx-ro": 6449, "http": 8080}
	got := map[string]int32{}
	for _, p := range ports {
		got[p.Name] = p.ContainerPort
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("container ports %v, want %v", got, want)
	}
}

func checkRouterProbes(t *testing.T, ctr *corev1.Container) {
	t.Helper()
	// Readiness follows the view of the group; liveness only whether the router is wedged, so a router that
	// lost the group is taken out of the Services, never restarted for it.
	for name, p := range map[string]*corev1.Probe{"readiness /healthz": ctr.ReadinessProbe,
		"liveness /livez": ctr.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || "/"+strings.SplitN(name, "/", 2)[1] != p.HTTPGet.Path ||
			p.HTTPGet.Port.IntValue() != 8080 {
			t.Fatalf("%s probe %+v, want GET on 8080", name, p)
		}
	}
	ready, live := ctr.ReadinessProbe, ctr.LivenessProbe
	if live.PeriodSeconds*live.FailureThreshold < 30 ||
		live.PeriodSeconds*live.FailureThreshold <= ready.PeriodSeconds*ready.FailureThreshold {
		t.Errorf("liveness gives up after %ds, readiness after %ds: liveness must be the generous one",
			live.PeriodSeconds*live.FailureThreshold, ready.PeriodSeconds*ready.FailureThreshold)
	}
}

// The restricted Pod Security Standard: non-root, RuntimeDefault seccomp, every capability dropped, no privilege
// escalation; and the router writes nothing, so its root filesystem is read-only.
func TestRouterPodIsRestricted(t *testing.T) {
	pod := routerDeployment(routerCluster(3, 2)).Spec.Template.Spec
	psc := pod.SecurityContext
	if !*psc.RunAsNonRoot || *psc.RunAsUser == 0 || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", psc)
	}
	sc := pod.Containers[0].SecurityContext
	if *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || !*sc.RunAsNonRoot ||
		!reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || sc.Privileged != nil {
		t.Errorf("container security context %+v", sc)
	}
	// The only volume is the trust bundle: certificates, no key (restricted allows Secret volumes).
	if pod.HostNetwork || len(pod.Volumes) != 1 || pod.Volumes[0].Secret == nil ||
		!reflect.DeepEqual(pod.Volumes[0].Secret.Items, []corev1.KeyToPath{{Key: KeyCACert, Path: KeyCACert}}) {
		t.Errorf("host network %v volumes %v", pod.HostNetwork, pod.Volumes)
	}
}

func TestRouterPodsSpreadOverNodes(t *testing.T) {
	pod := routerDeployment(routerCluster(3, 2)).Spec.Template.Spec
	terms := pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	if len(terms) != 1 || terms[0].PodAffinityTerm.TopologyKey != corev1.LabelHostname ||
		terms[0].PodAffinityTerm.LabelSelector.MatchLabels[v1.LabelComponent] != v1.ComponentRouter ||
		pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		t.Errorf("anti-affinity %+v", pod.Affinity.PodAntiAffinity)
	}
	if len(pod.TopologySpreadConstraints) != 1 {
		t.Fatalf("spread %+v", pod.TopologySpreadConstraints)
	}
	tsc := pod.TopologySpreadConstraints[0]
	if tsc.MaxSkew != 1 || tsc.TopologyKey != corev1.LabelHostname || tsc.WhenUnsatisfiable != corev1.ScheduleAnyway ||
		tsc.LabelSelector.MatchLabels[v1.LabelComponent] != v1.ComponentRouter {
		t.Errorf("spread %+v", tsc)
	}
}

// Every documented spec.router field reaches the pods, and user labels cannot take over the selector's.
func TestRouterSpecFieldsReachThePods(t *testing.T) {
	c := routerCluster(3, 3)
	custom := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}}
	c.Spec.Router.Resources = &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}}
	c.Spec.Router.PodLabels = map[string]string{"team": "a", v1.LabelComponent: "mine"}
	c.Spec.Router.PodAnnotations = map[string]string{"scrape": "true"}
	c.Spec.Router.Affinity = custom
	c.Spec.Router.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
	c.Spec.Router.NodeSelector = map[string]string{"pool": "edge"}
	c.Spec.Router.PriorityClassName = "high"
	c.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "pull"}}
	c.Spec.ImagePullPolicy = corev1.PullAlways
	d := routerDeployment(c)
	tpl := d.Spec.Template
	pod := tpl.Spec
	if *d.Spec.Replicas != 3 || tpl.Labels["team"] != "a" || tpl.Labels[v1.LabelComponent] != v1.ComponentRouter {
		t.Errorf("replicas %d labels %v", *d.Spec.Replicas, tpl.Labels)
	}
	if tpl.Annotations["scrape"] != "true" || tpl.Annotations[v1.AnnotationRouterHash] == "" {
		t.Errorf("annotations %v", tpl.Annotations)
	}
	if pod.Affinity != custom || pod.Tolerations[0].Key != "dedicated" || pod.NodeSelector["pool"] != "edge" ||
		pod.PriorityClassName != "high" || pod.ImagePullSecrets[0].Name != "pull" {
		t.Errorf("scheduling %+v", pod)
	}
	if len(pod.TopologySpreadConstraints) != 1 {
		t.Errorf("a custom affinity must keep the spread: %+v", pod.TopologySpreadConstraints)
	}
	ctr := pod.Containers[0]
	if ctr.Resources.Requests.Cpu().String() != "250m" || ctr.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("resources %v pull %s", ctr.Resources, ctr.ImagePullPolicy)
	}
}

// The pod template's hash moves when the command (the members) or the router account's credentials change, so
// the Deployment rolls its pods; it stays put otherwise, so a reconcile rolls nothing.
func TestRouterHashRollsOnWhatThePodsRead(t *testing.T) {
	hash := func(c *v1.InnoDBCluster, fp string) string {
		return RouterDeployment(c, RouterOptions{OrcaImage: "orca:test", CredentialsFingerprint: fp}).
			Spec.Template.Annotations[v1.AnnotationRouterHash]
	}
	base := hash(routerCluster(3, 2), "fp1")
	if again := hash(routerCluster(3, 2), "fp1"); again != base {
		t.Fatalf("hash not stable: %s then %s", base, again)
	}
	if hash(routerCluster(3, 4), "fp1") != base {
		t.Error("the number of routers is not something the pods read")
	}
	if hash(routerCluster(5, 2), "fp1") == base {
		t.Error("a changed member list must change the hash")
	}
	if hash(routerCluster(3, 2), "fp2") == base {
		t.Error("changed credentials must change the hash")
	}
}

func TestRouterCredentialsFingerprint(t *testing.T) {
	secret := func(group, user, pw string) *corev1.Secret {
		return &corev1.Secret{Data: map[string][]byte{KeyGroupName: []byte(group), KeyRouterUser: []byte(user),
			KeyRouterPassword: []byte(pw)}}
	}
	base := RouterCredentialsFingerprint(secret("g", "orca_router", "secret-password"))
	if strings.Contains(base, "secret") || len(base) != 24 {
		t.Fatalf("fingerprint %q", base)
	}
	if RouterCredentialsFingerprint(secret("g", "orca_router", "secret-password")) != base {
		t.Error("not stable")
	}
	for name, s := range map[string]*corev1.Secret{
		"password": secret("g", "orca_router", "other"), "user": secret("g", "other", "secret-password"),
		"key": secret("h", "orca_router", "secret-password"),
	} {
		if RouterCredentialsFingerprint(s) == base {
			t.Errorf("a changed %s keeps the fingerprint", name)
		}
	}
	// StringData (a Secret built, not read back) counts like Data.
	built := &corev1.Secret{StringData: map[string]string{KeyGroupName: "g", KeyRouterUser: "orca_router",
		KeyRouterPassword: "secret-password"}}
	if RouterCredentialsFingerprint(built) != base {
		t.Error("StringData and Data disagree")
	}
}

func TestRouterPodDisruptionBudget(t *testing.T) {
	for _, n := range []int32{1, 2, 5} {
		pdb := RouterPodDisruptionBudget(routerCluster(3, n))
		s := pdb.Spec
		if pdb.Name != "db-router" || s.MaxUnavailable.IntValue() != 1 || s.MinAvailable != nil ||
			*s.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow ||
			s.Selector.MatchLabels[v1.LabelComponent] != v1.ComponentRouter {
			t.Errorf("%d routers: budget %+v", n, s)
		}
	}
}

func servicesByName(c *v1.InnoDBCluster, viaRouter bool) map[string]*corev1.Service {
	out := map[string]*corev1.Service{}
	for _, svc := range ClientServices(c, viaRouter) {
		out[svc.Name] = svc
	}
	return out
}

func portMap(svc *corev1.Service) map[string][2]int {
	out := map[string][2]int{}
	for _, p := range svc.Spec.Ports {
		out[p.Name] = [2]int{int(p.Port), p.TargetPort.IntValue()}
	}
	return out
}

func selectsPrimary(svc *corev1.Service) bool {
	return svc.Spec.Selector[v1.LabelRole] == v1.RolePrimary && svc.Spec.Selector[v1.LabelComponent] == v1.ComponentMySQL &&
		portMap(svc)["mysql"] == [2]int{3306, 3306} && len(svc.Spec.Ports) == 2
}

// Without a router <name> selects the primary whatever viaRouter says, and there is no <name>-ro.
func TestClientServicesWithoutRouter(t *testing.T) {
	for _, c := range []*v1.InnoDBCluster{cluster(3), routerCluster(3, 0)} {
		for _, via := range []bool{false, true} {
			svcs := servicesByName(c, via)
			if len(svcs) != 3 || svcs["db-ro"] != nil || !selectsPrimary(svcs["db"]) || SelectsRouters(svcs["db"]) {
				t.Fatalf("router %v via %v: %v", c.Spec.Router, via, svcs)
			}
		}
	}
}

// With a router, <name> leads to the routers' read-write ports once viaRouter, and <name>-ro to the read-only
// ones from the start. <name>-primary and <name>-replicas never change.
func TestClientServicesWithRouter(t *testing.T) {
	c := routerCluster(3, 2)
	c.Spec.Service.Annotations = map[string]string{"lb": "internal"}
	before := servicesByName(c, false)
	if len(before) != 4 || !selectsPrimary(before["db"]) || !SelectsRouters(before["db-ro"]) {
		t.Fatalf("before the first router is ready: %v", before)
	}
	svcs := servicesByName(c, true)
	if len(svcs) != 4 {
		t.Fatalf("services %v", svcs)
	}
	for _, name := range []string{"db", "db-ro"} {
		svc := svcs[name]
		if !reflect.DeepEqual(svc.Spec.Selector, RouterSelectorLabels(c)) || svc.Annotations["lb"] != "internal" ||
			!SelectsRouters(svc) {
			t.Errorf("%s selector %v annotations %v", name, svc.Spec.Selector, svc.Annotations)
		}
	}
	wantRW := map[string][2]int{"mysql": {3306, 6446}, "mysqlx": {33060, 6448}, "mysql-rw": {6446, 6446},
		"mysql-ro": {6447, 6447}, "mysqlx-rw": {6448, 6448}, "mysqlx-ro": {6449, 6449}}
	if got := portMap(svcs["db"]); !reflect.DeepEqual(got, wantRW) {
		t.Errorf("db ports %v, want %v", got, wantRW)
	}
	wantRO := map[string][2]int{"mysql": {3306, 6447}, "mysqlx": {33060, 6449}}
	if got := portMap(svcs["db-ro"]); !reflect.DeepEqual(got, wantRO) {
		t.Errorf("db-ro ports %v, want %v", got, wantRO)
	}
	for name, role := range map[string]string{"db-primary": v1.RolePrimary, "db-replicas": v1.RoleSecondary} {
		if svcs[name].Spec.Selector[v1.LabelRole] != role || portMap(svcs[name])["mysql"] != [2]int{3306, 3306} {
			t.Errorf("%s changed with the router: %+v", name, svcs[name].Spec)
		}
	}
}

func TestMissingRouterKeys(t *testing.T) {
	full, err := InternalSecret(cluster(3))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := MissingRouterKeys(full); err != nil || len(got) != 0 {
		t.Fatalf("a new internal secret lacks %v (%v)", got, err)
	}
	old := &corev1.Secret{Data: map[string][]byte{KeyAdminUser: []byte("orca_admin"), KeyGroupName: []byte("g")}}
	got, err := MissingRouterKeys(old)
	if err != nil || len(got) != 2 || got[KeyRouterUser] != "orca_router" || len(got[KeyRouterPassword]) != 32 {
		t.Fatalf("old secret: %v (%v)", got, err)
	}
	again, _ := MissingRouterKeys(old)
	if again[KeyRouterPassword] == got[KeyRouterPassword] {
		t.Error("passwords must be fresh")
	}
	userOnly := &corev1.Secret{Data: map[string][]byte{KeyRouterUser: []byte("custom")}}
	if got, _ := MissingRouterKeys(userOnly); len(got) != 1 || got[KeyRouterPassword] == "" {
		t.Fatalf("user present: %v", got)
	}
}
