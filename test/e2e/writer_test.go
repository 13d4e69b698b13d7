package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// writeInterval is how often the client writes during a failure case.
const writeInterval = 50 * time.Millisecond

// ack is one write the client saw acknowledged.
type ack struct {
	name   string    // the account it created: the write's identity
	member string    // the pod the primary Service sent it to
	sent   time.Time // when the client started the write (before taking a connection)
	at     time.Time // when the acknowledgement arrived
}

// writer is an application that writes through whatever the primary Service selects, every writeInterval,
// as a client of the Service would: the EndpointSlices' ready pod, dialled through the harness's loopback
// dialer (never its pod IP). Each write creates an account: account statements are binary-logged
// transactions that the simulator replicates member by member (data statements all land in the one shared
// MariaDB, so they could not show a write lost to the group), and a member that is not in the group gives
// them a GTID of its own: an errant transaction.
type writer struct {
	c   *cluster
	tag string
	// through, when set, is the address every write is sent to (a router's RW port through its Service)
	// instead of the pod the primary Service selects; the member that took a write says who it is.
	through string
	stop    chan struct{}
	done    chan struct{}

	mu     sync.Mutex
	acks   []ack
	errors map[string]int
	pools  map[string]*sql.DB
}

// harnesses counts the harnesses whose dialer go-sql-driver knows.
var harnesses atomic.Int32

// sqlNet registers the harness's loopback dialer with go-sql-driver (once) and returns its network name.
func (h *harness) sqlNet() string {
	h.netOnce.Do(func() {
		h.net = fmt.Sprintf("e2e%d", harnesses.Add(1))
		dialer := h.World.Dialer()
		mysql.RegisterDialContext(h.net, func(ctx context.Context, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, "tcp", addr)
		})
	})
	return h.net
}

// startWriter starts the client; stopAndCheck ends it and checks what it got acknowledged.
func (c *cluster) startWriter() *writer { return c.startWriterThrough("") }

// startWriterThrough starts a client that writes to addr ("": to the pod the primary Service selects).
func (c *cluster) startWriterThrough(addr string) *writer {
	c.t.Helper()
	w := &writer{c: c, tag: fmt.Sprintf("w%d", time.Now().UnixNano()%1e9), through: addr, stop: make(chan struct{}),
		done: make(chan struct{}), errors: map[string]int{}, pools: map[string]*sql.DB{}}
	password := c.secret(specs.CredentialsSecretName(c.obj), specs.KeyRootPassword)
	go w.run(password)
	return w
}

func (w *writer) run(password string) {
	defer close(w.done)
	tick := time.NewTicker(writeInterval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		w.writeOnce(password, n)
	}
}

// writeOnce sends write n to the pod the primary Service selects now, if it selects exactly one.
func (w *writer) writeOnce(password string, n int) {
	if w.through != "" {
		w.writeThrough(password, n)
		return
	}
	targets, err := w.c.serviceTargets(specs.PrimaryServiceName(w.c.obj))
	if err != nil || len(targets) != 1 {
		w.fail(fmt.Sprintf("primary Service selects %d pods", len(targets)))
		return
	}
	db := w.pool(targets[0], password)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	name := fmt.Sprintf("%s_%d", w.tag, n)
	if _, err := db.ExecContext(ctx, "CREATE USER '"+name+"'@'%' IDENTIFIED BY 'x'"); err != nil {
		w.fail(errorKind(err))
		return
	}
	w.mu.Lock()
	w.acks = append(w.acks, ack{name: name, member: targets[0], at: time.Now()})
	w.mu.Unlock()
}

// writeThrough sends write n to the writer's address and asks the member that took it for its report_host,
// on the same connection.
func (w *writer) writeThrough(password string, n int) {
	sent := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := w.pool(w.through, password).Conn(ctx)
	if err != nil {
		w.fail(errorKind(err))
		return
	}
	defer func() { _ = conn.Close() }()
	name := fmt.Sprintf("%s_%d", w.tag, n)
	if _, err := conn.ExecContext(ctx, "CREATE USER '"+name+"'@'%' IDENTIFIED BY 'x'"); err != nil {
		w.fail(errorKind(err))
		return
	}
	at, member := time.Now(), "unknown"
	var host string
	if err := conn.QueryRowContext(ctx, "SELECT @@report_host").Scan(&host); err == nil {
		member, _, _ = strings.Cut(host, ".")
	}
	w.mu.Lock()
	w.acks = append(w.acks, ack{name: name, member: member, sent: sent, at: at})
	w.mu.Unlock()
}

// pool is the client's connection pool to a pod (by its DNS name, as a client in the cluster dials it: pod
// names repeat across namespaces), or to the writer's address.
func (w *writer) pool(pod, password string) *sql.DB {
	w.mu.Lock()
	defer w.mu.Unlock()
	if db, ok := w.pools[pod]; ok {
		return db
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", password, w.c.h.sqlNet(), w.memberAddr(pod)
	if pod == w.through {
		cfg.Net = "tcp" // a loopback address of the harness: no member dialer
	}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	// TLS as a real client of MySQL 8.4: caching_sha2_password's full authentication (after a member's restart
	// empties its cache) needs a secure connection. MySQL's certificates are self-signed, hence no verification.
	cfg.TLSConfig = "skip-verify"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		panic(err) // the configuration is fixed: a failure here is a bug in the test
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(time.Second)
	w.pools[pod] = db
	return db
}

func (w *writer) fail(kind string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errors[kind]++
}

// errorKind groups write errors for the log: MySQL's code, or the kind of network failure.
func errorKind(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprintf("ERROR %d", me.Number)
	}
	msg := err.Error()
	for _, k := range []string{"refused", "timeout", "deadline", "reset", "EOF", "closed", "invalid connection"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return msg
}

func (w *writer) memberAddr(pod string) string {
	if pod == w.through {
		return pod
	}
	ord, err := specs.Ordinal(pod)
	if err != nil {
		panic(err)
	}
	return net.JoinHostPort(specs.MemberHost(w.c.obj, ord, ""), "3306")
}

// window is the longest time without an acknowledged write between from and the last ack: the write
// unavailability a client saw.
func (w *writer) window(from time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	longest, last := time.Duration(0), from
	for _, a := range w.acks {
		if a.at.Before(from) {
			continue
		}
		longest, last = max(longest, a.at.Sub(last)), a.at
	}
	return longest
}

// acksBetween are the writes acknowledged after from and before to.
func (w *writer) acksBetween(from, to time.Time) []ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []ack
	for _, a := range w.acks {
		if a.at.After(from) && a.at.Before(to) {
			out = append(out, a)
		}
	}
	return out
}

// firstAckOn is the first write acknowledged by member after t.
func (w *writer) firstAckOn(t time.Time, member string) (ack, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.acks {
		if a.at.After(t) && a.member == member {
			return a, true
		}
	}
	return ack{}, false
}

// stopAndCheck stops the client once the cluster is whole again and checks that every acknowledged write is
// in the group (every member has it) and that no member holds a transaction outside the group's.
func (w *writer) stopAndCheck() {
	c := w.c
	c.t.Helper()
	close(w.stop)
	<-w.done
	w.mu.Lock()
	for _, db := range w.pools {
		_ = db.Close()
	}
	acks, errs := append([]ack(nil), w.acks...), w.errors
	w.mu.Unlock()
	if c.t.Failed() {
		return // the case already failed: its own message says why
	}
	if len(acks) == 0 {
		c.t.Fatalf("the client got no write acknowledged (errors %v)", errs)
	}
	primary := c.waitOnline(120 * time.Second)
	eventually(c.t, 60*time.Second, func() error {
		group := c.member(primary).GTIDExecuted()
		for pod := range c.pods() {
			m := c.member(pod)
			if err := hasEvery(m, acks); err != nil {
				return err
			}
			if err := noErrant(m, group); err != nil {
				return err
			}
		}
		return nil
	})
	c.t.Logf("client: %d writes acknowledged, longest gap %s, errors %v", len(acks),
		w.window(acks[0].at).Round(time.Millisecond), errs)
}

// hasEvery checks that the member applied every acknowledged write.
func hasEvery(m *mysqlsim.Member, acks []ack) error {
	missing := 0
	var first ack
	for _, a := range acks {
		if _, ok := m.LookupAccount(a.name, "10.0.0.1"); !ok {
			if missing == 0 {
				first = a
			}
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%s lacks %d of %d acknowledged writes (first: %s, acknowledged by %s at %s)", m.Name(),
			missing, len(acks), first.name, first.member, first.at.Format("15:04:05.000"))
	}
	return nil
}

// noErrant checks that every transaction the member has is the group's (the primary's): a transaction only
// one member has, committed outside the group, is errant.
func noErrant(m *mysqlsim.Member, group mysqlsim.GTIDSet) error {
	if extra := m.GTIDExecuted().Subtract(group); !extra.IsEmpty() {
		return fmt.Errorf("%s holds errant transactions %s (the primary has %s)", m.Name(), extra, group)
	}
	return nil
}
