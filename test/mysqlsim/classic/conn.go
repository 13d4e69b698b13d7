package classic

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
)

// Conn is one client connection. Its accessors are safe to call from any goroutine (Server.Conns hands
// connections to other goroutines); the Handler runs on the connection's own goroutine.
type Conn struct {
	srv *Server
	id  uint32
	raw net.Conn // the accepted TCP connection; TLS, when on, runs over it
	pkt *packetIO

	ctx    context.Context
	cancel context.CancelFunc

	// scramble is the greeting's challenge; COM_CHANGE_USER authenticates against it again.
	scramble []byte
	// stmts are the prepared statements by id; only the connection's goroutine uses them.
	stmts      map[uint32]*preparedStmt
	lastStmtID uint32

	host string
	// authPath names how the login was checked (native, empty, fast, full-cleartext, full-rsa) for the log.
	authPath string

	mu sync.Mutex
	// Set during the handshake; caps changes with COM_SET_OPTION.
	caps     uint32
	user     string
	plugin   string
	attrs    map[string]string
	tls      bool
	schema   string
	value    any
	status   StatusFlag
	busy     bool
	closed   bool
	closeErr error
}

func newConn(s *Server, nc net.Conn, id uint32) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	host, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	return &Conn{
		srv: s, id: id, raw: nc, pkt: newPacketIO(nc, s.maxPacket()),
		ctx: ctx, cancel: cancel, host: host, status: StatusAutocommit,
	}
}

// ID is the connection id (CONNECTION_ID()), unique per Server and announced in the greeting.
func (c *Conn) ID() uint32 { return c.id }

// User is the authenticated user name; empty while the handshake runs.
func (c *Conn) User() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// Host is the client's IP address, the host part of 'user'@'host'.
func (c *Conn) Host() string { return c.host }

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// LocalAddr is the server address the client connected to.
func (c *Conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// AuthPlugin is the plugin the client authenticated with.
func (c *Conn) AuthPlugin() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plugin
}

// TLS reports whether the connection was upgraded to TLS.
func (c *Conn) TLS() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tls
}

// Attrs are the connection attributes the client sent (_client_name, program_name, ...); may be nil.
func (c *Conn) Attrs() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attrs
}

// MultiStatements reports whether the client allows several statements per COM_QUERY
// (CLIENT_MULTI_STATEMENTS at connect, or COM_SET_OPTION). mysqld rejects them with a syntax error when not.
func (c *Conn) MultiStatements() bool {
	return c.hasCap(capMultiStatements)
}

// FoundRows reports CLIENT_FOUND_ROWS: UPDATE should report matched rather than changed rows.
func (c *Conn) FoundRows() bool { return c.hasCap(capFoundRows) }

func (c *Conn) hasCap(flag uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caps&flag != 0
}

// Schema is the current default schema (DATABASE()); empty for none.
func (c *Conn) Schema() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.schema
}

// SetSchema changes the default schema, e.g. for a USE statement.
func (c *Conn) SetSchema(schema string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schema = schema
}

// Value returns what the handler stored with SetValue, e.g. session variables.
func (c *Conn) Value() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value
}

// SetValue stores per-connection state. A value implementing io.Closer is closed when it is replaced,
// when COM_RESET_CONNECTION clears it, and when the connection ends.
func (c *Conn) SetValue(v any) {
	c.mu.Lock()
	old := c.value
	c.value = v
	c.mu.Unlock()
	closeValue(old, v)
}

func closeValue(old, replacement any) {
	if cl, ok := old.(io.Closer); ok && old != replacement {
		_ = cl.Close()
	}
}

// Status returns the server status flags sent in OK packets.
func (c *Conn) Status() StatusFlag {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// SetStatus turns status flags on or off, e.g. StatusInTrans after BEGIN.
func (c *Conn) SetStatus(flags StatusFlag, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on {
		c.status |= flags
	} else {
		c.status &^= flags
	}
}

// Close ends the connection without a goodbye packet, as KILL CONNECTION does. The running query's context
// is cancelled. Safe to call from the Handler and from other goroutines.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeLocked()
}

// closeLocked closes the TCP connection under any TLS layer: a server-side close sends no TLS
// close_notify, so it never blocks on a client that stopped reading.
func (c *Conn) closeLocked() error {
	if !c.closed {
		c.closed = true
		c.cancel()
		c.closeErr = c.raw.Close()
	}
	return c.closeErr
}

// abort drops the connection with a TCP reset.
func (c *Conn) abort() {
	if tc, ok := c.raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// closeIfIdle closes the connection if it waits for a command; a busy one stops after its command
// because it sees the server closing.
func (c *Conn) closeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.busy {
		_ = c.closeLocked()
	}
}

// setBusy marks the connection as running a command. Going idle it reports false when it should stop.
func (c *Conn) setBusy(busy bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = busy
	return busy || (!c.closed && !c.srv.closing.Load())
}

// finish releases everything once serve returns.
func (c *Conn) finish() {
	_ = c.Close()
	c.closeStmts()
	c.mu.Lock()
	v := c.value
	c.value = nil
	c.mu.Unlock()
	closeValue(v, nil)
	c.srv.forget(c)
	if c.srv.ConnClosed != nil {
		c.srv.ConnClosed(c)
	}
}

// upgradeTLS switches the connection to TLS after an SSLRequest. Bytes the packet reader already buffered
// (the start of the ClientHello) are fed to the TLS layer first.
func (c *Conn) upgradeTLS() error {
	tc := tls.Server(&bufferedConn{Conn: c.raw, r: c.pkt.r}, c.srv.TLSConfig)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return err
	}
	c.mu.Lock()
	c.tls = true
	c.mu.Unlock()
	c.pkt.reset(tc)
	return nil
}

// bufferedConn reads through a reader that may hold bytes already taken off the connection.
type bufferedConn struct {
	net.Conn
	r io.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
