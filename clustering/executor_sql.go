package clustering

import (
	"context"
	"errors"
	"fmt"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

// Connector opens an admin session to one member (mysqladmin.Factory in production).
type Connector interface {
	Connect(ctx context.Context, host string, port int, a mysqladmin.Account) (mysqladmin.Instance, error)
}

// SQLExecutor runs topology's actions as mysqladmin calls over the X Protocol.
type SQLExecutor struct {
	Connector Connector
}

// connect logs in with the operator's own least-privilege account. A member that does not have it yet (a
// fresh server that never joined: accounts arrive with distributed recovery or a clone) is reached as root,
// the only account the server was initialised with.
func (e SQLExecutor) connect(ctx context.Context, c *ClusterInfo, pod string) (mysqladmin.Instance, error) {
	host, ok := c.Hosts[pod]
	if !ok {
		return nil, fmt.Errorf("no member %s in cluster %s", pod, c.Key)
	}
	if admin := c.admin(); admin.User != "" {
		in, err := e.Connector.Connect(ctx, host, specs.PortMySQLX, admin)
		if err == nil {
			return in, nil
		}
		if !accessDenied(err) {
			return nil, fmt.Errorf("connect to %s: %w", pod, err)
		}
	}
	in, err := e.Connector.Connect(ctx, host, specs.PortMySQLX,
		mysqladmin.Account{User: c.Credentials.RootUser, Password: c.Credentials.RootPassword})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", pod, err)
	}
	return in, nil
}

// accessDenied reports a refused login (the member answered, but does not know the account yet).
func accessDenied(err error) bool { return errors.Is(err, mysqladmin.ErrAccessDenied) }

func (c *ClusterInfo) admin() mysqladmin.Account {
	return mysqladmin.Account{User: c.Credentials.AdminUser, Password: c.Credentials.AdminPassword}
}

// Status implements Executor.
func (e SQLExecutor) Status(ctx context.Context, c *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	in, err := e.connect(ctx, c, pod)
	if err != nil {
		return nil, err
	}
	defer func() { _ = in.Close() }()
	return in.Status(ctx)
}

func (c *ClusterInfo) seeds() []string {
	out := make([]string, 0, len(c.Pods))
	for _, p := range c.Pods {
		out = append(out, fmt.Sprintf("%s:%d", c.Hosts[p], specs.PortGR))
	}
	return out
}

func (c *ClusterInfo) recovery() mysqladmin.Account {
	return mysqladmin.Account{User: c.Credentials.ReplicationUser, Password: c.Credentials.ReplicationPassword}
}

// Run implements Executor: each action kind is one short mysqladmin sequence (docs/topology.md).
func (e SQLExecutor) Run(ctx context.Context, c *ClusterInfo, a topology.Action) error {
	in, err := e.connect(ctx, c, a.Member)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	if a.StopFirst && a.Kind != topology.ActionRemoveMember && a.Kind != topology.ActionUpgradeMember {
		if err := in.StopGroupReplication(ctx); err != nil {
			return err
		}
	}
	switch a.Kind {
	case topology.ActionBootstrapGroup:
		return bootstrap(ctx, in, c)
	case topology.ActionRebootGroup:
		if err := in.SetGroupSeeds(ctx, c.seeds()); err != nil {
			return err
		}
		return in.BootstrapGroup(ctx, c.recovery())
	case topology.ActionJoinMember, topology.ActionRejoinMember:
		if err := in.SetGroupSeeds(ctx, c.seeds()); err != nil {
			return err
		}
		return in.StartGroupReplication(ctx, c.recovery())
	case topology.ActionCloneMember:
		return in.CloneFrom(ctx, c.Hosts[a.Donor], specs.PortMySQL, c.recovery())
	case topology.ActionForceQuorum:
		addrs := make([]string, 0, len(a.Members))
		for _, p := range a.Members {
			addrs = append(addrs, fmt.Sprintf("%s:%d", c.Hosts[p], specs.PortGR))
		}
		return in.ForceMembers(ctx, addrs)
	case topology.ActionRemoveMember, topology.ActionUpgradeMember:
		return in.StopGroupReplication(ctx)
	case topology.ActionSwitchover:
		st, err := in.Status(ctx)
		if err != nil {
			return err
		}
		return in.SetPrimary(ctx, st.ServerUUID)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}

// bootstrap creates the group on its first member: seeds, the operator's and the recovery accounts (with the
// binary log on, so recovery carries them to every joiner), then the group itself.
func bootstrap(ctx context.Context, in mysqladmin.Instance, c *ClusterInfo) error {
	if err := in.SetGroupSeeds(ctx, c.seeds()); err != nil {
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
	return in.BootstrapGroup(ctx, c.recovery())
}
