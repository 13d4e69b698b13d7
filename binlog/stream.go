package binlog

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/memberdial"
)

// Defaults of Config.
const (
	DefaultServerID  = 0x4f524341 // "ORCA"
	DefaultHeartbeat = time.Second
)

// Config says how to reach a source and how to register with it.
type Config struct {
	// Addr is host:port of the source's classic protocol.
	Addr string
	// User and Password are the account; it needs REPLICATION SLAVE (and REPLICATION CLIENT). Never logged.
	User, Password string
	// Dialer opens the connection; nil is memberdial.Direct.
	Dialer memberdial.Dialer
	// ServerID is the replica id this client registers with: distinct from every server's and other
	// replica's id. Default DefaultServerID.
	ServerID uint32
	// Heartbeat is the period of the source's heartbeat events while it has nothing to send. Default 1 s.
	Heartbeat time.Duration
	// ReadTimeout declares the source gone when nothing, not even a heartbeat, came for that long. Default 4 x
	// Heartbeat.
	ReadTimeout time.Duration
	// NonBlocking ends the stream with io.EOF at the end of the binary log instead of waiting for more.
	NonBlocking bool
	// TLS, when set, encrypts every connection and verifies the source's certificate with it (its ServerName,
	// else the host of Addr, never the address Dialer reaches). Nil connects without TLS.
	TLS *tls.Config
}

func (c Config) withDefaults() Config {
	if c.ServerID == 0 {
		c.ServerID = DefaultServerID
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 4 * c.Heartbeat
	}
	if c.Dialer == nil {
		c.Dialer = memberdial.Direct()
	}
	return c
}

// Source describes the server a stream reads.
type Source struct {
	Version  string
	MariaDB  bool
	ServerID uint32
	// Checksummed is true when the source's binlog_checksum is CRC32 (and the stream carries checksums).
	Checksummed bool
	// Executed is the source's gtid_executed (MySQL) or gtid_binlog_pos (MariaDB) when the stream began.
	Executed Set
	// ReadOnly is @@global.read_only: ON on a secondary or replica, OFF on the primary.
	ReadOnly bool
	// ExpireSeconds is binlog_expire_logs_seconds (0: never purged by age); nil when the server has no such
	// variable.
	ExpireSeconds *int64
}

// Probe connects to a source and describes it without starting a dump.
func Probe(ctx context.Context, cfg Config) (Source, error) {
	s := &Stream{cfg: cfg.withDefaults()}
	if err := s.connect(ctx); err != nil {
		return Source{}, err
	}
	defer func() { _ = s.db.Close() }()
	err := s.readSource(ctx)
	return s.Source, err
}

// Stream is a replication connection sending the source's binary log events.
type Stream struct {
	Source Source
	cfg    Config
	db     *sql.DB
	nc     net.Conn
	pc     *packetConn
	stop   func() bool
}

// Dial connects as a replica and asks for every event after the GTIDs in from (an empty set: from the oldest
// binary log the source has). from must be of the source's flavour.
func Dial(ctx context.Context, cfg Config, from Set) (*Stream, error) {
	cfg = cfg.withDefaults()
	s := &Stream{cfg: cfg}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	if err := s.start(ctx, from); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stream) connect(ctx context.Context) error {
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = s.cfg.User, s.cfg.Password, "tcp", s.cfg.Addr
	mc.AllowNativePasswords = true
	var mu sync.Mutex
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := s.cfg.Dialer.DialContext(ctx, network, addr)
		if s.cfg.TLS == nil { // the dump takes this socket over; with TLS it has its own (dialTLS)
			mu.Lock()
			s.nc = c
			mu.Unlock()
		}
		return c, err
	}
	if s.cfg.TLS != nil {
		mc.TLS = s.cfg.TLS.Clone()
		if mc.TLS.ServerName == "" {
			mc.TLS.ServerName, _, _ = net.SplitHostPort(s.cfg.Addr)
		}
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("configure replication connection to %s: %w", s.cfg.Addr, err)
	}
	s.db = sql.OpenDB(conn)
	s.db.SetMaxOpenConns(1)
	// The handshake and the session's SET statements go through the driver; the dump then owns the socket.
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return fmt.Errorf("connect to %s: %w", s.cfg.Addr, err)
	}
	return nil
}

func (s *Stream) start(ctx context.Context, from Set) error {
	if err := s.readSource(ctx); err != nil {
		return err
	}
	if from.MariaDB != s.Source.MariaDB {
		return fmt.Errorf("a %s GTID set cannot start a dump from %s (%s)", flavour(from.MariaDB), s.cfg.Addr,
			s.Source.Version)
	}
	if s.Source.ServerID == s.cfg.ServerID {
		return fmt.Errorf("the source %s has server_id %d, the archive's own", s.cfg.Addr, s.cfg.ServerID)
	}
	if err := s.prepareSession(ctx, from); err != nil {
		return err
	}
	s.stop = context.AfterFunc(ctx, func() { _ = s.nc.Close() })
	if err := s.register(); err != nil {
		return err
	}
	return s.dump(from)
}

func flavour(mariadb bool) string {
	if mariadb {
		return "MariaDB"
	}
	return "MySQL"
}

func (s *Stream) readSource(ctx context.Context) error {
	var checksum, executed string
	src := &s.Source
	err := s.db.QueryRowContext(ctx, "SELECT VERSION(), @@global.server_id, @@global.binlog_checksum, "+
		"@@global.read_only").Scan(&src.Version, &src.ServerID, &checksum, &src.ReadOnly)
	if err != nil {
		return fmt.Errorf("read the source %s: %w", s.cfg.Addr, err)
	}
	src.MariaDB = strings.Contains(strings.ToLower(src.Version), "mariadb")
	src.Checksummed = strings.EqualFold(checksum, "CRC32")
	q := "SELECT @@global.gtid_executed"
	if src.MariaDB {
		q = "SELECT @@global.gtid_binlog_pos"
	}
	if err := s.db.QueryRowContext(ctx, q).Scan(&executed); err != nil {
		return fmt.Errorf("read the GTIDs of %s: %w", s.cfg.Addr, err)
	}
	if src.Executed, err = ParseSet(executed, src.MariaDB); err != nil {
		return fmt.Errorf("read the GTIDs of %s: %w", s.cfg.Addr, err)
	}
	var expire int64
	// Older servers lack the variable (expire_logs_days only): the source is still usable.
	if s.db.QueryRowContext(ctx, "SELECT @@global.binlog_expire_logs_seconds").Scan(&expire) == nil {
		src.ExpireSeconds = &expire
	}
	return nil
}

// prepareSession sets the user variables a dump thread reads: checksums, heartbeats and, on MariaDB, the GTID
// capability and connect state (MariaDB ignores the file and position of COM_BINLOG_DUMP then).
func (s *Stream) prepareSession(ctx context.Context, from Set) error {
	stmts := s.sessionStatements(from)
	if s.cfg.TLS != nil {
		if err := s.dialTLS(ctx); err != nil {
			return err
		}
		for _, q := range stmts {
			if err := s.exec(q); err != nil {
				return fmt.Errorf("prepare the replication session on %s: %s: %w", s.cfg.Addr, firstWord(q), err)
			}
		}
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("prepare the replication session on %s: %w", s.cfg.Addr, err)
	}
	defer func() { _ = conn.Close() }() // back to the pool of one: the same socket
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prepare the replication session on %s: %s: %w", s.cfg.Addr, firstWord(q), err)
		}
	}
	s.pc = &packetConn{rw: s.nc, limit: MaxEventSize + 1}
	return nil
}

// sessionStatements are the user variables a dump thread reads.
func (s *Stream) sessionStatements(from Set) []string {
	period := s.cfg.Heartbeat.Nanoseconds()
	stmts := []string{"SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = " +
		"@@global.binlog_checksum",
		fmt.Sprintf("SET @master_heartbeat_period = %d, @source_heartbeat_period = %d", period, period)}
	if s.Source.MariaDB {
		stmts = append(stmts, "SET @mariadb_slave_capability = 4", // MARIA_SLAVE_CAPABILITY_GTID
			"SET @slave_connect_state = '"+from.String()+"'", "SET @slave_gtid_strict_mode = 1",
			"SET @slave_gtid_ignore_duplicates = 0")
	}
	return stmts
}

func firstWord(q string) string {
	if i := strings.Index(q, " ="); i > 0 {
		return q[:i]
	}
	return q
}

// Command bytes.
const (
	comRegisterSlave = 0x15
	comBinlogDump    = 0x12
	comBinlogDumpGTD = 0x1e
	dumpNonBlock     = 0x01
	dumpThroughGTID  = 0x04
)

// register sends COM_REGISTER_SLAVE: the source lists this client in SHOW REPLICAS.
func (s *Stream) register() error {
	b := []byte{comRegisterSlave}
	b = binary.LittleEndian.AppendUint32(b, s.cfg.ServerID)
	b = append(b, 0, 0, 0) // host, user and password: empty
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0) // rank
	b = binary.LittleEndian.AppendUint32(b, 0) // source id
	if err := s.pc.writeCommand(b); err != nil {
		return fmt.Errorf("register with %s: %w", s.cfg.Addr, err)
	}
	reply, err := s.pc.readPacket()
	if err == nil {
		_, err = parseResponse(reply)
	}
	if err != nil {
		return fmt.Errorf("register with %s: %w", s.cfg.Addr, err)
	}
	return nil
}

func (s *Stream) dump(from Set) error {
	var flags uint16
	if s.cfg.NonBlocking {
		flags |= dumpNonBlock
	}
	var b []byte
	if s.Source.MariaDB {
		b = binary.LittleEndian.AppendUint32([]byte{comBinlogDump}, 4)
		b = binary.LittleEndian.AppendUint16(b, flags)
		b = binary.LittleEndian.AppendUint32(b, s.cfg.ServerID) // then an empty file name
	} else {
		b = binary.LittleEndian.AppendUint16([]byte{comBinlogDumpGTD}, flags|dumpThroughGTID)
		b = binary.LittleEndian.AppendUint32(b, s.cfg.ServerID)
		b = binary.LittleEndian.AppendUint32(b, 0) // no file name
		b = binary.LittleEndian.AppendUint64(b, 4)
		set, err := from.encodeMySQL()
		if err != nil {
			return err
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(set)))
		b = append(b, set...)
	}
	if err := s.pc.writeCommand(b); err != nil {
		return fmt.Errorf("start the dump from %s: %w", s.cfg.Addr, err)
	}
	return nil
}

// ErrEnd ends a NonBlocking stream at the end of the source's binary log.
var ErrEnd = errors.New("end of the source's binary log")

// Next returns the next raw event (header to checksum). A *ServerError reports what the source refused.
func (s *Stream) Next() ([]byte, error) {
	if err := s.nc.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout)); err != nil {
		return nil, fmt.Errorf("read from %s: %w", s.cfg.Addr, err)
	}
	p, err := s.pc.readPacket()
	if err != nil {
		return nil, fmt.Errorf("read from %s: %w", s.cfg.Addr, err)
	}
	ev, err := parseResponse(p)
	if errors.Is(err, errEOF) {
		return nil, ErrEnd
	}
	if err != nil {
		return nil, fmt.Errorf("read from %s: %w", s.cfg.Addr, err)
	}
	return ev, nil
}

// Close ends the connection.
func (s *Stream) Close() error {
	if s.stop != nil {
		s.stop()
	}
	// The driver says goodbye (COM_QUIT) on the socket before it is closed under it.
	err := s.db.Close()
	if s.nc != nil {
		_ = s.nc.Close()
	}
	return err
}
