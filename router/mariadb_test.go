package router

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/peers"
)

// The data path against a real MariaDB 10.11 behind the router (one static backend): text and binary
// protocol queries, a result set of tens of megabytes, TLS passed through, and 1,000 connections open at once.
func TestDataPathToRealMariaDB(t *testing.T) {
	cert, key := selfSignedFiles(t)
	maria := peers.StartMariaDB(t, "--ssl-cert="+cert, "--ssl-key="+key)
	direct, err := sql.Open("mysql", maria.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = direct.Close() }()
	if _, err := direct.Exec("SET GLOBAL max_connections = 1200; CREATE DATABASE rt"); err != nil {
		t.Fatal(err)
	}
	r := startRouter(t, &Server{StaticBackends: []string{maria.Addr}})
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(%s)/?multiStatements=true", r.addr[ClassicRW]))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	t.Run("queries", func(t *testing.T) { checkQueries(t, db) })
	t.Run("large result", func(t *testing.T) {
		const q = "SELECT seq, REPEAT(CHAR(65 + seq % 26), 200) FROM rt.seq_1_to_150000" // MariaDB's SEQUENCE engine
		via, n := digest(t, db, q)
		want, _ := digest(t, direct, q)
		if n != 150000 || via != want {
			t.Fatalf("%d rows through the router, digest %x, direct %x", n, via, want)
		}
	})
	t.Run("TLS passthrough", func(t *testing.T) { checkTLSPassthrough(t, r, maria.Addr, cert) })
	t.Run("1000 concurrent connections", func(t *testing.T) { checkConcurrent(t, r, db, 1000, maria.Addr) })
}

func checkQueries(t *testing.T, db *sql.DB) {
	if _, err := db.Exec("CREATE TABLE rt.t (id INT PRIMARY KEY, v VARCHAR(64))"); err != nil {
		t.Fatal(err)
	}
	stmt, err := db.Prepare("INSERT INTO rt.t VALUES (?, ?)") // binary protocol (COM_STMT_PREPARE/EXECUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stmt.Close() }()
	for i := range 100 {
		if _, err := stmt.Exec(i, fmt.Sprintf("value %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var v string
	if err := db.QueryRow("SELECT COUNT(*), MAX(v) FROM rt.t WHERE id < ?", 50).Scan(&n, &v); err != nil ||
		n != 50 || v != "value 9" {
		t.Fatalf("read back %d %q %v", n, v, err)
	}
	var version string
	if err := db.QueryRow("SELECT VERSION()").Scan(&version); err != nil || version == "" {
		t.Fatalf("version %q %v", version, err)
	}
}

func digest(t *testing.T, db *sql.DB, q string) ([32]byte, int) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	h := sha256.New()
	n := 0
	for rows.Next() {
		var id int
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		_, _ = fmt.Fprintf(h, "%d:%s\n", id, s)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, n
}

// checkConcurrent holds n connections through the router at once, each its own MariaDB session.
func checkConcurrent(t *testing.T, r *running, db *sql.DB, n int, backendAddr string) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns := make([]*sql.Conn, n)
	ids := make([]int64, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	// Opened 100 at a time, held all at once: MariaDB's back_log (150 here) drops a burst of 1,000 connects
	// even without the router.
	opening := make(chan struct{}, 100)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opening <- struct{}{}
			defer func() { <-opening }()
			c, err := db.Conn(ctx)
			if err == nil {
				conns[i] = c
				err = c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&ids[i])
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("one of %d connections: %v", n, err)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(seen) != n || r.counter(t, "connections", "classic_rw", backendAddr) < float64(n) {
		t.Fatalf("%d distinct sessions, gauge %v, for %d connections", len(seen),
			r.counter(t, "connections", "classic_rw", backendAddr), n)
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// checkTLSPassthrough: a TLS session through the router is the client's with MariaDB itself, shown MariaDB's
// certificate (the router holds none) and encrypted end to end.
func checkTLSPassthrough(t *testing.T, r *running, backendAddr, certFile string) {
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	var shown []byte
	if err := registerTLS("router-mariadb", func(raw []byte) { shown = raw }); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(%s)/?tls=router-mariadb", r.addr[ClassicRW]))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var name, cipher string
	if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil || cipher == "" {
		t.Fatalf("Ssl_cipher through the router %q: %v", cipher, err)
	}
	if !bytes.Equal(shown, block.Bytes) {
		t.Fatalf("the client was shown another certificate than MariaDB's (%d bytes)", len(shown))
	}
	if r.counter(t, "opened", "classic_rw", backendAddr) == 0 {
		t.Fatal("no connection counted through the router")
	}
}

// selfSignedFiles writes a self-signed ECDSA certificate and its key for 127.0.0.1, as PEM files.
func selfSignedFiles(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mariadb"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for file, b := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der},
		keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
