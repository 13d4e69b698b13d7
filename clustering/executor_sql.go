package clustering

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

// Connector opens an admin session to one member (mysqladmin.Factory in production).
type Connector interface {
	// Connect opens a session verifying the member's certificate with t (mysqladmin.Factory.Connect).
	Connect(ctx context.Context, host string, port int, a mysqladmin.Account, t *tls.Config) (
		mysqladmin.Instance, error)
}

// SQLExecutor runs topology's actions as mysqladmin calls over the X Protocol.
type SQLExecutor struct {
	Connector Connector
	// Sessions, when set, keeps each member's status session open between passes; nil opens one per read.
	Sessions *Sessions
}

// switchoverWait is how long set_as_primary lets transactions running on the old primary finish before it
// kills them (manual 20.5.1.1): without it the switchover has no upper bound.
const switchoverWait = 10 * time.Second

// connect logs in with the operator's own least-privilege account. A member that does not have it yet (a
// fresh server that never joined: accounts arrive with distributed recovery or a clone), or whose password
// was just rotated in the Secret, is reached as root.
func (e SQLExecutor) connect(ctx context.Context, c *ClusterInfo, pod string) (mysqladmin.Instance, error) {
	in, _, err := e.connectAs(ctx, c, pod)
	return in, err
}

// connectAs is connect, also saying whether the session fell back to root although the cluster has the
// operator's account (such a session is not kept: the next pass tries the account again).
func (e SQLExecutor) connectAs(ctx context.Context, c *ClusterInfo, pod string) (mysqladmin.Instance, bool, error) {
	host, ok := c.Hosts[pod]
	if !ok {
		return nil, false, fmt.Errorf("no member %s in cluster %s", pod, c.Key)
	}
	admin := c.admin()
	if admin.User != "" {
		in, err := e.Connector.Connect(ctx, host, specs.PortMySQLX, admin, c.Trust.Config())
		if err == nil {
			return in, false, nil
		}
		if !accessDenied(err) {
			return nil, false, fmt.Errorf("connect to %s: %w", pod, err)
		}
	}
	in, err := e.Connector.Connect(ctx, host, specs.PortMySQLX,
		mysqladmin.Account{User: c.Credentials.RootUser, Password: c.Credentials.RootPassword}, c.Trust.Config())
	if err != nil {
		return nil, false, fmt.Errorf("connect to %s: %w", pod, err)
	}
	return in, admin.User != "", nil
}

// accessDenied reports a refused login (the member answered, but does not know the account yet).
func accessDenied(err error) bool { return errors.Is(err, mysqladmin.ErrAccessDenied) }

func (c *ClusterInfo) admin() mysqladmin.Account {
	return mysqladmin.Account{User: c.Credentials.AdminUser, Password: c.Credentials.AdminPassword}
}

// Status implements Executor: on the member's kept session when it still answers, else on a new one.
func (e SQLExecutor) Status(ctx context.Context, c *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	k, id := memberKey{cluster: c.Key, pod: pod}, sessionID(c, pod)
	if in := e.Sessions.take(k, id); in != nil {
		if st, err := in.Status(ctx); err == nil {
			e.Sessions.put(ctx, k, id, in)
			return st, nil
		}
		_ = in.Close() // closed by the server, or the member restarted: ask a new session
	}
	in, asRoot, err := e.connectAs(ctx, c, pod)
	if err != nil {
		return nil, err
	}
	st, err := in.Status(ctx)
	if err != nil || asRoot {
		_ = in.Close()
		return st, err
	}
	e.Sessions.put(ctx, k, id, in)
	return st, nil
}

// Forget closes the cluster's kept sessions (Manager.Forget).
func (e SQLExecutor) Forget(key types.NamespacedName) { e.Sessions.Forget(key) }

// Close closes every kept session (the manager stopped).
func (e SQLExecutor) Close() { e.Sessions.Close() }

// seeds are every member's group_replication_local_address: with the MySQL communication stack, the classic
// port (manual 20.6.1).
func (c *ClusterInfo) seeds() []string { return c.addresses(c.Pods) }

func (c *ClusterInfo) addresses(pods []string) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, fmt.Sprintf("%s:%d", c.Hosts[p], specs.PortMySQL))
	}
	return out
}

func (c *ClusterInfo) router() mysqladmin.Account {
	return mysqladmin.Account{User: c.Credentials.RouterUser, Password: c.Credentials.RouterPassword}
}

func (c *ClusterInfo) recovery() mysqladmin.Account {
	return mysqladmin.Account{User: c.Credentials.ReplicationUser, Password: c.Credentials.ReplicationPassword}
}

// Run implements Executor: each action kind is one short mysqladmin sequence (docs/topology.md). Actions that
// set a one-shot variable reset it afterwards on a fresh session, whatever happened to this one.
func (e SQLExecutor) Run(ctx context.Context, c *ClusterInfo, a topology.Action) error {
	if a.Kind == topology.ActionAdoptMember {
		return nil // no SQL: the member cannot be verified; afterAction deletes its pod
	}
	in, err := e.connect(ctx, c, a.Member)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	if a.StopFirst && !leaves(a.Kind) {
		if err := in.StopGroupReplication(ctx); err != nil {
			return err
		}
	}
	err = e.run(ctx, in, c, a)
	switch a.Kind {
	case topology.ActionBootstrapGroup, topology.ActionRebootGroup, topology.ActionForceQuorum:
		err = errors.Join(err, e.resetOneShot(ctx, c, a.Member))
	}
	return err
}

// leaves reports the kinds whose whole action is the member leaving the group (STOP GROUP_REPLICATION).
func leaves(k topology.ActionKind) bool {
	return k == topology.ActionRemoveMember || k == topology.ActionUpgradeMember || k == topology.ActionMoveMember
}

func (e SQLExecutor) run(ctx context.Context, in mysqladmin.Instance, c *ClusterInfo, a topology.Action) error {
	switch a.Kind {
	case topology.ActionBootstrapGroup:
		return bootstrap(ctx, in, c)
	case topology.ActionRebootGroup:
		if err := prepareStart(ctx, in, c); err != nil {
			return err
		}
		return in.BootstrapGroup(ctx, c.recovery())
	case topology.ActionJoinMember, topology.ActionRejoinMember:
		if err := prepareStart(ctx, in, c); err != nil {
			return err
		}
		return in.StartGroupReplication(ctx, c.recovery())
	case topology.ActionCloneMember:
		if err := in.PersistSuperReadOnly(ctx); err != nil {
			return err
		}
		return in.CloneFrom(ctx, c.Hosts[a.Donor], specs.PortMySQL, c.recovery())
	case topology.ActionForceQuorum:
		return in.ForceMembers(ctx, c.addresses(a.Members))
	case topology.ActionRemoveMember, topology.ActionUpgradeMember, topology.ActionMoveMember:
		return in.StopGroupReplication(ctx)
	case topology.ActionSwitchover:
		st, err := in.Status(ctx)
		if err != nil {
			return err
		}
		return in.SetPrimary(ctx, st.ServerUUID, switchoverWait)
	case topology.ActionResetVariables:
		return resetVariables(ctx, in, a.Variables)
	case topology.ActionRotateCredentials:
		return rotate(ctx, in, c)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}

// prepareStart readies a member for START GROUP_REPLICATION: no leftover one-shot variable (a bootstrap flag
// left ON would start a second group), read-only after any later restart, the seeds, and the recovery account
// on the member itself (the MySQL communication stack authenticates the members connecting to it with it).
func prepareStart(ctx context.Context, in mysqladmin.Instance, c *ClusterInfo) error {
	if err := in.ResetOneShot(ctx); err != nil {
		return err
	}
	if err := in.PersistSuperReadOnly(ctx); err != nil {
		return err
	}
	if err := in.SetGroupSeeds(ctx, c.seeds()); err != nil {
		return err
	}
	return in.EnsureLocalReplicationUser(ctx, c.recovery())
}

// bootstrap creates the group on its first member: the operator's and the recovery accounts with the binary
// log on (the member's history becomes the group's, so recovery carries them to every joiner), then the
// preparation every START gets, then the group itself.
func bootstrap(ctx context.Context, in mysqladmin.Instance, c *ClusterInfo) error {
	if err := in.LiftSuperReadOnly(ctx); err != nil {
		return err
	}
	if admin := c.admin(); admin.User != "" {
		if err := in.EnsureAdminUser(ctx, admin); err != nil {
			return err
		}
	}
	if err := in.EnsureReplicationUser(ctx, c.recovery()); err != nil {
		return err
	}
	if router := c.router(); router.User != "" {
		if err := in.EnsureRouterUser(ctx, router); err != nil {
			return err
		}
	}
	if err := prepareStart(ctx, in, c); err != nil {
		return err
	}
	return in.BootstrapGroup(ctx, c.recovery())
}

// resetOneShot clears group_replication_bootstrap_group and _force_members on a fresh session with its own
// deadline: the action's session may be the reason it failed, and its context may be over.
func (e SQLExecutor) resetOneShot(ctx context.Context, c *ClusterInfo, pod string) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	in, err := e.connect(rctx, c, pod)
	if err != nil {
		return fmt.Errorf("reset one-shot variables on %s: %w", pod, err)
	}
	defer func() { _ = in.Close() }()
	return in.ResetOneShot(rctx)
}

// cleanupTimeout bounds the clean-up after an action.
const cleanupTimeout = 10 * time.Second

func resetVariables(ctx context.Context, in mysqladmin.Instance, vars []string) error {
	oneShot := false
	for _, v := range vars {
		switch v {
		case topology.VarOfflineMode:
			if err := in.ClearOfflineMode(ctx); err != nil {
				return err
			}
		case topology.VarBootstrapGroup, topology.VarForceMembers:
			oneShot = true
		}
	}
	if oneShot {
		return in.ResetOneShot(ctx)
	}
	return nil
}

// rotate sets the Secrets' passwords on the primary; the statements replicate.
func rotate(ctx context.Context, in mysqladmin.Instance, c *ClusterInfo) error {
	cr := c.Credentials
	if err := in.SetPassword(ctx, cr.RootUser, cr.RootHosts, cr.RootPassword); err != nil {
		return err
	}
	if admin := c.admin(); admin.User != "" {
		if err := in.EnsureAdminUser(ctx, admin); err != nil {
			return err
		}
	}
	if router := c.router(); router.User != "" {
		// Also how a cluster created before the router account gets it: the Secret gained the account, so the
		// fingerprint changed.
		if err := in.EnsureRouterUser(ctx, router); err != nil {
			return err
		}
	}
	return in.EnsureReplicationUser(ctx, c.recovery())
}
