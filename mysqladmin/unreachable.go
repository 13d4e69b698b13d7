package mysqladmin

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-operator/orca/topology"
)

// Unreachable is the Instance of a member that cannot be connected to: every call returns the reason.
type Unreachable struct{ Err error }

func (u Unreachable) err() error { return fmt.Errorf("%w: %w", ErrUnreachable, u.Err) }

// Status implements Instance.
func (u Unreachable) Status(context.Context) (*topology.MemberStatus, error) { return nil, u.err() }

// EnsureReplicationUser implements Instance.
func (u Unreachable) EnsureReplicationUser(context.Context, Account) error { return u.err() }

// EnsureAdminUser implements Instance.
func (u Unreachable) EnsureAdminUser(context.Context, Account) error { return u.err() }

// SetGroupSeeds implements Instance.
func (u Unreachable) SetGroupSeeds(context.Context, []string) error { return u.err() }

// BootstrapGroup implements Instance.
func (u Unreachable) BootstrapGroup(context.Context, Account) error { return u.err() }

// StartGroupReplication implements Instance.
func (u Unreachable) StartGroupReplication(context.Context, Account) error { return u.err() }

// StopGroupReplication implements Instance.
func (u Unreachable) StopGroupReplication(context.Context) error { return u.err() }

// ForceMembers implements Instance.
func (u Unreachable) ForceMembers(context.Context, []string) error { return u.err() }

// CloneFrom implements Instance.
func (u Unreachable) CloneFrom(context.Context, string, int, Account) error { return u.err() }

// SetPrimary implements Instance.
func (u Unreachable) SetPrimary(context.Context, string, time.Duration) error { return u.err() }

// Close implements Instance.
func (u Unreachable) Close() error { return nil }

// EnsureLocalReplicationUser implements Instance.
func (u Unreachable) EnsureLocalReplicationUser(context.Context, Account) error { return u.err() }

// SetPassword implements Instance.
func (u Unreachable) SetPassword(context.Context, string, []string, string) error { return u.err() }

// LiftSuperReadOnly implements Instance.
func (u Unreachable) LiftSuperReadOnly(context.Context) error { return u.err() }

// PersistSuperReadOnly implements Instance.
func (u Unreachable) PersistSuperReadOnly(context.Context) error { return u.err() }

// ResetOneShot implements Instance.
func (u Unreachable) ResetOneShot(context.Context) error { return u.err() }

// ClearOfflineMode implements Instance.
func (u Unreachable) ClearOfflineMode(context.Context) error { return u.err() }

// EnsureRouterUser implements Instance.
func (u Unreachable) EnsureRouterUser(context.Context, Account) error { return u.err() }
