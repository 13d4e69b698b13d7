package srvdial

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Connector opens go-sql-driver/mysql connections to the targets of an SRV name. Use it with sql.OpenDB.
// Fields must not change after the first Connect; the zero value of every optional field is its default.
type Connector struct {
	// Name is resolved as _mysql._tcp.<Name>, or as given when it starts with "_" (e.g.
	// "_mysql._tcp.primary.mycluster.default.mysql.orca.internal"). Required.
	Name string
	// Config holds the user, password, database and options; Net and Addr are set per target. Required.
	Config *mysql.Config
	// Resolver looks the name up. Default DNSResolver{} (the nameserver of /etc/resolv.conf).
	Resolver Resolver
	// Rand orders targets of one priority. Default: a generator seeded by the runtime.
	Rand *rand.Rand
	// Now is the clock the TTL is measured with. Default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	targets []Target
	expires time.Time
}

var _ driver.Connector = (*Connector)(nil)

// Driver implements driver.Connector.
func (c *Connector) Driver() driver.Driver { return &mysql.MySQLDriver{} }

// Connect tries the targets in RFC 2782 order until one accepts. When every target fails, the cached answer
// is dropped so the next Connect resolves again at once.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	order, err := c.order(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, t := range order {
		conn, err := c.connect(ctx, t)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, fmt.Errorf("connect to %s:%d (priority %d): %w", t.Host, t.Port, t.Priority, err))
		if ctx.Err() != nil {
			break
		}
	}
	c.mu.Lock()
	c.expires = time.Time{}
	c.mu.Unlock()
	return nil, fmt.Errorf("every SRV target of %s failed: %w", c.srvName(), errors.Join(errs...))
}

// Targets returns the targets in the order the next Connect would try them (resolving when the TTL passed).
func (c *Connector) Targets(ctx context.Context) ([]Target, error) { return c.order(ctx) }

func (c *Connector) order(ctx context.Context) ([]Target, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.targets == nil || !now.Before(c.expires) {
		resolver := c.Resolver
		if resolver == nil {
			resolver = DNSResolver{}
		}
		ts, ttl, err := resolver.LookupSRV(ctx, c.srvName())
		if err != nil {
			return nil, err
		}
		c.targets, c.expires = ts, now.Add(ttl)
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return Order(c.targets, c.Rand), nil
}

func (c *Connector) connect(ctx context.Context, t Target) (driver.Conn, error) {
	if c.Config == nil {
		return nil, errors.New("srvdial: Connector.Config is nil")
	}
	cfg := c.Config.Clone()
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port)))
	mc, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql config: %w", err)
	}
	return mc.Connect(ctx)
}

func (c *Connector) srvName() string {
	if strings.HasPrefix(c.Name, "_") {
		return c.Name
	}
	return "_mysql._tcp." + c.Name
}

func (c *Connector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
