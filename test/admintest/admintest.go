// Package admintest connects mysqladmin to simulated MySQL 8.4 members in-process, for tests that exercise
// Orca's SQL against the simulator's parser and Group Replication model without sockets.
package admintest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// Runner runs statements on one simulated member session.
type Runner struct {
	M *mysqlsim.Member
	S *mysqlsim.Session
	// Hold, when set, is called before each statement and may block it (tests of actions that hang).
	Hold func(ctx context.Context, stmt string)
}

// Query implements mysqladmin.Runner: the first result set, values rendered as MySQL's text protocol would.
// The arguments are substituted as the X Plugin does (mysqlsim.Member.ExecX). A member that went down reads
// as a lost connection, as the X Protocol runner reports it.
func (r Runner) Query(ctx context.Context, stmt string, args ...any) ([]mysqladmin.Row, error) {
	if r.Hold != nil {
		r.Hold(ctx, stmt)
	}
	xargs, err := wire.AnysOf(args)
	if err != nil {
		return nil, err
	}
	res, err := r.M.ExecX(ctx, r.S, stmt, xargs)
	if err != nil {
		if errors.Is(err, mysqlsim.ErrMemberDown) || errors.Is(err, mysqlsim.ErrSessionClosed) || !r.M.Up() {
			return nil, fmt.Errorf("%w: %w", mysqladmin.ErrUnreachable, err)
		}
		var se *mysqlsim.Error
		if errors.As(err, &se) {
			// What the X Protocol front-end would send: the server's code, SQLSTATE and text.
			return nil, &wire.Error{Severity: wire.SeverityError, Code: uint32(se.Code), SQLState: se.State,
				Msg: se.Message}
		}
		return nil, err
	}
	for _, set := range res {
		if set.IsResultSet() {
			return TextRows(set.Rows), nil
		}
	}
	return nil, nil
}

// TextRows renders simulator values as the text protocol would: NULL as nil, everything else as a string.
func TextRows(in [][]any) []mysqladmin.Row {
	out := make([]mysqladmin.Row, 0, len(in))
	for _, vals := range in {
		row := make(mysqladmin.Row, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
			case []byte:
				s := string(v)
				row[i] = &s
			default:
				s := fmt.Sprint(v)
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return out
}

// Exec implements mysqladmin.Runner.
func (r Runner) Exec(ctx context.Context, stmt string, args ...any) error {
	_, err := r.Query(ctx, stmt, args...)
	return err
}

// Close implements mysqladmin.Runner.
func (r Runner) Close() error {
	r.S.Close()
	return nil
}

// Connector finds simulated members by their report_host and opens sessions on them, checking the
// account's password as the server would.
type Connector struct {
	mu      sync.Mutex
	members map[string]*mysqlsim.Member
	logins  map[string]int
	holds   map[string]hold
}

// hold blocks statements starting with prefix on one member until release is closed (or their context ends).
type hold struct {
	prefix  string
	release chan struct{}
}

// Hold blocks every statement on the member at host that starts with prefix, as a server stuck in it would,
// until the returned function is called.
func (c *Connector) Hold(host, prefix string) (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds == nil {
		c.holds = map[string]hold{}
	}
	h := hold{prefix: prefix, release: make(chan struct{})}
	c.holds[host] = h
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.holds, host)
			c.mu.Unlock()
			close(h.release)
		})
	}
}

func (c *Connector) holdFor(host string) func(context.Context, string) {
	return func(ctx context.Context, stmt string) {
		c.mu.Lock()
		h, ok := c.holds[host]
		c.mu.Unlock()
		if !ok || !strings.HasPrefix(stmt, h.prefix) {
			return
		}
		select {
		case <-h.release:
		case <-ctx.Done():
		}
	}
}

// Logins returns how many successful logins each user made since the last call, and resets the count.
func (c *Connector) Logins() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.logins
	c.logins = map[string]int{}
	return out
}

// Add makes a member reachable under its report_host.
func (c *Connector) Add(m *mysqlsim.Member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.members == nil {
		c.members = map[string]*mysqlsim.Member{}
	}
	c.members[m.Host()] = m
}

// Connect implements the operator's member connector.
// The TLS configuration is not used: the members are reached in-process (the e2e harness and the simulator's
// Frontends verify certificates on real sockets).
func (c *Connector) Connect(ctx context.Context, host string, port int, a mysqladmin.Account, _ *tls.Config) (
	mysqladmin.Instance, error) {
	c.mu.Lock()
	m := c.members[host]
	c.mu.Unlock()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if m == nil || !m.Up() {
		err := fmt.Errorf("connect to %s: connection refused", addr)
		return mysqladmin.Unreachable{Err: err}, fmt.Errorf("%w: %w", mysqladmin.ErrUnreachable, err)
	}
	acct, ok := m.LookupAccount(a.User, "127.0.0.1")
	if !ok || acct.Password != a.Password {
		return nil, fmt.Errorf("%w for user '%s' on %s", mysqladmin.ErrAccessDenied, a.User, addr)
	}
	s, err := m.NewSession(a.User, "127.0.0.1")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", mysqladmin.ErrUnreachable, err)
	}
	c.mu.Lock()
	if c.logins == nil {
		c.logins = map[string]int{}
	}
	c.logins[a.User]++
	c.mu.Unlock()
	in, err := mysqladmin.Open(ctx, Runner{M: m, S: s, Hold: c.holdFor(host)})
	if err != nil {
		s.Close()
		return mysqladmin.Unreachable{Err: err}, fmt.Errorf("%w: %w", mysqladmin.ErrUnreachable, err)
	}
	return in, nil
}

// OptionsFromMyCnf turns my.cnf text into the simulator's option map: [section] headers and comments are
// skipped and a repeated option (plugin_load_add) accumulates, comma-separated.
func OptionsFromMyCnf(cnf ...string) map[string]string {
	opts := map[string]string{}
	for _, text := range cnf {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' || line[0] == '[' || line[0] == '!' {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if prev, ok := opts[k]; ok {
				v = prev + "," + v
			}
			opts[k] = v
		}
	}
	return opts
}
