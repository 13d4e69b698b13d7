package clustering

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/placement"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

// observation is one pass's view: the Kubernetes objects read, and the topology input built from them and
// from each member's SQL status.
type observation struct {
	cluster *v1.InnoDBCluster
	pods    map[string]*corev1.Pod
	info    *ClusterInfo
	nodes   placement.Nodes
	topo    topology.Observation
	// fingerprint identifies the passwords the Secrets hold now.
	fingerprint string
	// at is when the members were observed.
	at time.Time
	// progress is the Progressing condition (progressOf).
	progress progress
	// demotion runs beside the member queries; the pass finishes it before it acts or publishes.
	demotion *demotion
}

func (l *loop) observe(ctx context.Context) (_ *observation, err error) {
	cluster, err := l.readCluster(ctx)
	if err != nil {
		return nil, err
	}
	o := &observation{cluster: cluster, pods: map[string]*corev1.Pod{}}
	if err := l.readPods(ctx, o); err != nil {
		return nil, err
	}
	// Before anything else: a member whose mysqld is not running or restarted must not keep receiving traffic
	// for the seconds the member queries below may take.
	o.demotion = l.startDemotion(ctx, o.pods)
	defer func() {
		if err != nil {
			_ = o.demotion.finish(o) // a failed pass leaves no writes behind it
		}
	}()
	info, err := l.clusterInfo(ctx, o)
	if err != nil {
		return nil, err
	}
	o.info = info
	if !l.m.syncMonitor(l, info) {
		return nil, errPassDone // forgotten while this pass read the cluster
	}
	if err := l.observeTopology(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// readCluster reads the cluster with its defaults; errPassDone when it is gone or being deleted.
func (l *loop) readCluster(ctx context.Context) (*v1.InnoDBCluster, error) {
	var cluster v1.InnoDBCluster
	if err := l.m.Client.Get(ctx, l.key, &cluster); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, errPassDone
		}
		return nil, fmt.Errorf("get cluster: %w", err)
	}
	if !cluster.DeletionTimestamp.IsZero() {
		return nil, errPassDone
	}
	cluster.SetDefaults()
	return &cluster, nil
}

// observeTopology fills the topology observation: the StatefulSet's revision and progress, the nodes' zones,
// the requests and every member.
func (l *loop) observeTopology(ctx context.Context, o *observation) error {
	cluster := o.cluster
	sts, err := l.statefulSet(ctx, cluster)
	if err != nil {
		return err
	}
	revision := ""
	if sts != nil {
		revision = sts.Status.UpdateRevision
	}
	nodes, err := placement.ListNodes(ctx, l.m.Client, cluster)
	if err != nil {
		return err
	}
	o.nodes = nodes
	o.topo = topology.Observation{
		Instances:          int(cluster.Spec.Instances),
		Initialized:        cluster.Status.Bootstrapped,
		RestorePending:     cluster.RestorePending(),
		InitDBRestore:      cluster.RestoresInitDB(),
		SwitchoverMaxQueue: l.m.switchoverMaxQueue(),
		Zones:              nodes.Zones,
		Requests:           requests(cluster),
	}
	o.fingerprint = o.info.fingerprint()
	o.topo.Requests.RotateCredentials = cluster.Status.CredentialsFingerprint != "" &&
		cluster.Status.CredentialsFingerprint != o.fingerprint
	o.topo.Members = l.observeMembers(ctx, o, revision)
	o.progress = progressOf(cluster, statefulSetCurrent(cluster, sts), o.topo.Members)
	for _, m := range o.topo.Members {
		if m.PodRunning && !m.AtTarget {
			o.topo.Requests.RollingUpgrade = true
		}
	}
	return nil
}

func (l *loop) readPods(ctx context.Context, o *observation) error {
	var pods corev1.PodList
	if err := l.m.Client.List(ctx, &pods, client.InNamespace(l.key.Namespace),
		client.MatchingLabels(specs.SelectorLabels(o.cluster))); err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for i := range pods.Items {
		o.pods[pods.Items[i].Name] = &pods.Items[i]
	}
	return nil
}

// memberCount covers the desired members and any pod beyond them that still exists (being scaled away).
func memberCount(o *observation) int {
	n := int(o.cluster.Spec.Instances)
	for name := range o.pods {
		if ord, err := specs.Ordinal(name); err == nil && ord+1 > n {
			n = ord + 1
		}
	}
	return n
}

// statefulSet is the members' StatefulSet as the cache holds it, nil before it exists.
func (l *loop) statefulSet(ctx context.Context, c *v1.InnoDBCluster) (*appsv1.StatefulSet, error) {
	var sts appsv1.StatefulSet
	err := l.m.Client.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: specs.StatefulSetName(c)}, &sts)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get statefulset: %w", err)
	}
	return &sts, nil
}

func requests(c *v1.InnoDBCluster) topology.Requests {
	a := c.Annotations
	r := topology.Requests{
		ForceRebootFrom: a[v1.AnnotationForceRebootFrom],
		ForceQuorum:     a[v1.AnnotationForceQuorum] == "true",
		SwitchoverTo:    a[v1.AnnotationSwitchoverTo],
		AllowErrantWipe: a[v1.AnnotationAllowErrantWipe] == "true",
		Rebalance:       a[v1.AnnotationRebalance] == "true",
	}
	fence, reform := c.RestoreFenced()
	r.RestoreHold = fence != "" && !reform
	if reform { // the restored first member is the group's data now: the others' old transactions are errant
		r.ForceRebootFrom, r.AllowErrantWipe = specs.PodName(c, 0), true
	}
	return r
}

// observeMembers queries every running member concurrently, each bounded by StatusTimeout.
func (l *loop) observeMembers(ctx context.Context, o *observation, revision string) []topology.Member {
	members := make([]topology.Member, len(o.info.Pods))
	moved := map[string]string{}
	if o.topo.Requests.Rebalance {
		moved = movedMembers(o.cluster)
	}
	var wg sync.WaitGroup
	var errMu sync.Mutex
	errs := map[string]error{}
	for i, name := range o.info.Pods {
		ord, _ := specs.Ordinal(name)
		m := topology.Member{Pod: name, Ordinal: ord, Host: o.info.Hosts[name]}
		pod, ok := o.pods[name]
		if !ok {
			l.podDeleting(name, nil) // gone: forget a delete of ours
		} else {
			m.PodExists = true
			m.PodDeleting = l.podDeleting(name, pod)
			m.PodRunning = mysqldRunning(pod)
			m.Restarted = restartedSinceOnline(pod)
			m.AtTarget = revision == "" || pod.Labels[appsv1.StatefulSetRevisionLabel] == revision
			_, hasTLS := pod.Annotations[v1.AnnotationTLSHash]
			m.PreTLS, m.LabelledPrimary = !hasTLS, pod.Labels[v1.LabelRole] == v1.RolePrimary
			m.Node, m.Zone = pod.Spec.NodeName, o.nodes.ZoneOf[pod.Spec.NodeName]
		}
		m.MovedFrom = moved[name]
		members[i] = m
		if !m.PodRunning {
			members[i].Unreachable = "mysql container is not running"
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			qctx, cancel := context.WithTimeout(ctx, orDefault(l.m.StatusTimeout, 3*time.Second))
			defer cancel()
			st, err := l.m.Executor.Status(qctx, o.info, members[i].Pod)
			if err != nil {
				unqueried(&members[i], err)
				members[i].Untrusted = errors.Is(err, mysqladmin.ErrUntrusted)
				errMu.Lock()
				errs[members[i].Pod] = err
				errMu.Unlock()
				return
			}
			members[i].Status = st
		}(i)
	}
	wg.Wait()
	o.at = time.Now()
	l.reportUnreachable(ctx, o, errs)
	return members
}

func (l *loop) clusterInfo(ctx context.Context, o *observation) (*ClusterInfo, error) {
	c := o.cluster
	creds, err := l.credentialsSecret(ctx, c)
	if err != nil {
		return nil, err
	}
	internal, err := l.readSecret(ctx, l.m.Client, specs.InternalSecretName(c))
	if err != nil {
		return nil, err
	}
	rootUser := string(creds.Data[specs.KeyRootUser])
	if rootUser == "" {
		rootUser = "root"
	}
	rootHost := string(creds.Data[specs.KeyRootHost])
	if rootHost == "" {
		rootHost = "%"
	}
	info := &ClusterInfo{
		Key:       l.key,
		GroupName: string(internal.Data[specs.KeyGroupName]),
		Credentials: Credentials{
			RootUser: rootUser, RootPassword: string(creds.Data[specs.KeyRootPassword]),
			AdminUser:           string(internal.Data[specs.KeyAdminUser]),
			AdminPassword:       string(internal.Data[specs.KeyAdminPassword]),
			ReplicationUser:     string(internal.Data[specs.KeyReplicationUser]),
			ReplicationPassword: string(internal.Data[specs.KeyReplicationPassword]),
			RouterUser:          string(internal.Data[specs.KeyRouterUser]),
			RouterPassword:      string(internal.Data[specs.KeyRouterPassword]),
			RootHosts:           rootHosts(rootHost),
		},
		Hosts: map[string]string{},
	}
	for i := 0; i < memberCount(o); i++ {
		pod := specs.PodName(c, i)
		info.Pods = append(info.Pods, pod)
		info.Hosts[pod] = specs.MemberHost(c, i, l.m.ClusterZone)
	}
	hosts := make([]string, 0, len(info.Pods))
	for _, p := range info.Pods {
		hosts = append(hosts, info.Hosts[p])
	}
	if info.Trust, err = l.readTrust(ctx, c, hosts); err != nil {
		return nil, err
	}
	return info, nil
}

// credentialsSecret reads the root credentials: the user's Secret from its watch, a generated one from the cache.
func (l *loop) credentialsSecret(ctx context.Context, c *v1.InnoDBCluster) (*corev1.Secret, error) {
	name := specs.CredentialsSecretName(c)
	switch {
	case c.Spec.SecretName == "":
		return l.readSecret(ctx, l.m.Client, name)
	case l.m.UserSecrets != nil:
		s, err := l.m.UserSecrets.Get(ctx, l.key, client.ObjectKey{Namespace: l.key.Namespace, Name: name})
		if err != nil {
			return nil, fmt.Errorf("read secret %s: %w", name, err)
		}
		return s, nil
	case l.m.APIReader != nil:
		return l.readSecret(ctx, l.m.APIReader, name)
	}
	return l.readSecret(ctx, l.m.Client, name)
}

func (l *loop) readSecret(ctx context.Context, reader client.Reader, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := reader.Get(ctx, client.ObjectKey{Namespace: l.key.Namespace, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	return &s, nil
}

// rootHosts are the hosts root is defined for: the Secret's rootHost (the image's MYSQL_ROOT_HOST) and
// localhost, which --initialize creates.
func rootHosts(rootHost string) []string {
	if rootHost == "localhost" {
		return []string{"localhost"}
	}
	return []string{rootHost, "localhost"}
}
