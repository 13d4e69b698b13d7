package backup

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/memberdial"
)

// Server is how the engine reaches a MySQL or MariaDB server.
type Server struct {
	// Addr is host:port of the classic protocol.
	Addr string
	// User and Password are the account (the password is never logged).
	User, Password string
	// Dialer opens connections; nil is memberdial.Direct.
	Dialer memberdial.Dialer
	// TLS, when set, encrypts every connection and verifies the server's certificate with it (its ServerName,
	// else the host of Addr, never the address Dialer reaches). Nil connects without TLS.
	TLS *tls.Config
}

// open returns a pool of at most conns connections in utf8mb4. multiStatements stays off: one Exec runs one
// statement, whatever bytes a chunk holds.
func (s Server) open(conns int) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = s.User, s.Password, "tcp", s.Addr
	cfg.Collation = "utf8mb4_general_ci"
	cfg.AllowNativePasswords = true
	cfg.MaxAllowedPacket = 0 // read the server's max_allowed_packet
	d := s.Dialer
	if d == nil {
		d = memberdial.Direct()
	}
	cfg.DialFunc = d.DialContext
	if s.TLS != nil {
		cfg.TLS = s.TLS.Clone()
		if cfg.TLS.ServerName == "" {
			cfg.TLS.ServerName, _, _ = net.SplitHostPort(s.Addr)
		}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure connection to %s: %w", s.Addr, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}

// flavor is the server family: the locking statements differ.
type flavor int

const (
	flavorMySQL flavor = iota
	flavorMariaDB
)

func serverVersion(ctx context.Context, q querier) (string, flavor, error) {
	var v string
	if err := q.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", flavorMySQL, fmt.Errorf("read server version: %w", err)
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		return v, flavorMariaDB, nil
	}
	return v, flavorMySQL, nil
}

// querier is what *sql.DB, *sql.Conn and *sql.Tx share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func execAll(ctx context.Context, q querier, stmts ...string) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstWords(s), err)
		}
	}
	return nil
}

// firstWords shortens a statement for an error message (never a chunk's data).
func firstWords(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
