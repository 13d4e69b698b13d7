package mysqlsim

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// rawClassic speaks the classic protocol by hand for the commands go-sql-driver never sends
// (COM_RESET_CONNECTION, COM_CHANGE_USER). It logs in over TLS with caching_sha2_password, as
// mysqld 8.4 clients do, and reads text result sets (CLIENT_DEPRECATE_EOF).
type rawClassic struct {
	t        *testing.T
	nc       net.Conn
	r        *bufio.Reader
	seq      byte
	scramble []byte
}

// Capabilities: long password, protocol 4.1, SSL, transactions, secure connection, multi results,
// plugin auth, lenenc auth data, deprecate EOF, connect with db.
const rawClassicCaps = 1<<0 | 1<<9 | 1<<11 | 1<<13 | 1<<15 | 1<<17 | 1<<19 | 1<<21 | 1<<24 | 1<<3

func dialRawClassic(t *testing.T, addr, user, password, schema string) *rawClassic {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	c := &rawClassic{t: t, nc: nc, r: bufio.NewReader(nc)}
	c.scramble = greetingScramble(t, c.read())
	caps := binary.LittleEndian.AppendUint32(nil, rawClassicCaps)
	fixed := append(append(caps, 0, 0, 0, 1, 255), make([]byte, 23)...)
	c.write(fixed)                                              // SSLRequest
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the member's self-signed cert
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS: %v", err)
	}
	c.nc, c.r = tc, bufio.NewReader(tc)
	b := append(append(fixed, user...), 0)
	token := sha2Scramble(c.scramble, password)
	b = append(append(b, byte(len(token))), token...)
	b = append(append(b, schema...), 0)
	c.write(append(append(b, "caching_sha2_password"...), 0))
	c.finishSHA2(password)
	return c
}

func greetingScramble(t *testing.T, g []byte) []byte {
	t.Helper()
	i := 1
	for g[i] != 0 {
		i++
	}
	i += 1 + 4
	scramble := append([]byte(nil), g[i:i+8]...)
	i += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10
	return append(scramble, g[i:i+12]...)
}

// finishSHA2 runs caching_sha2_password after the client's token: fast auth, or the password in clear
// (the connection is TLS), then the OK.
func (c *rawClassic) finishSHA2(password string) {
	c.t.Helper()
	p := c.read()
	if len(p) == 2 && p[0] == 0x01 && p[1] == 0x04 {
		c.write(append([]byte(password), 0))
		p = c.read()
	} else if len(p) == 2 && p[0] == 0x01 && p[1] == 0x03 {
		p = c.read()
	}
	if p[0] != 0x00 {
		c.t.Fatalf("login: got %q", p)
	}
}

// sha2Scramble is the caching_sha2_password token: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble).
func sha2Scramble(scramble []byte, password string) []byte {
	h1 := sha256.Sum256([]byte(password))
	h2 := sha256.Sum256(h1[:])
	m := sha256.Sum256(append(h2[:], scramble...))
	for i := range m {
		m[i] ^= h1[i]
	}
	return m[:]
}

func (c *rawClassic) write(payload []byte) {
	c.t.Helper()
	hdr := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), c.seq}
	c.seq++
	if _, err := c.nc.Write(append(hdr, payload...)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawClassic) read() []byte {
	c.t.Helper()
	p, err := c.tryRead()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return p
}

func (c *rawClassic) tryRead() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return nil, err
	}
	c.seq = hdr[3] + 1
	p := make([]byte, int(hdr[0])|int(hdr[1])<<8|int(hdr[2])<<16)
	_, err := io.ReadFull(c.r, p)
	return p, err
}

// command sends one command and returns the first packet of the answer.
func (c *rawClassic) command(cmd byte, arg []byte) []byte {
	c.t.Helper()
	c.seq = 0
	c.write(append([]byte{cmd}, arg...))
	return c.read()
}

// query runs COM_QUERY and returns the text rows (NULL as "NULL"), failing on an ERR.
func (c *rawClassic) query(sql string) [][]string {
	c.t.Helper()
	p := c.command(0x03, []byte(sql))
	switch p[0] {
	case 0x00:
		return nil
	case 0xff:
		c.t.Fatalf("%s: %q", sql, p)
	}
	n := int(p[0])
	for i := 0; i < n; i++ {
		c.read() // column definitions
	}
	var rows [][]string
	for {
		p = c.read()
		if p[0] == 0xfe {
			return rows
		}
		var row []string
		for len(p) > 0 {
			if p[0] == 0xfb {
				row, p = append(row, "NULL"), p[1:]
				continue
			}
			l := int(p[0]) // the tests' values are shorter than 251 bytes
			row, p = append(row, string(p[1:1+l])), p[1+l:]
		}
		rows = append(rows, row)
	}
}

// value runs a query that returns one value.
func (c *rawClassic) value(sql string) string {
	c.t.Helper()
	rows := c.query(sql)
	if len(rows) != 1 || len(rows[0]) != 1 {
		c.t.Fatalf("%s: want one value, got %v", sql, rows)
	}
	return rows[0][0]
}

// changeUser sends COM_CHANGE_USER answering the original scramble with caching_sha2_password and returns
// the final packet (OK or ERR).
func (c *rawClassic) changeUser(user, password, schema string) []byte {
	c.t.Helper()
	token := sha2Scramble(c.scramble, password)
	b := append(append([]byte{0x11}, user...), 0)
	b = append(append(b, byte(len(token))), token...)
	b = append(append(b, schema...), 0, 255, 0)
	c.seq = 0
	c.write(append(append(b, "caching_sha2_password"...), 0))
	p := c.read()
	if len(p) == 2 && p[0] == 0x01 && p[1] == 0x04 {
		c.write(append([]byte(password), 0))
		p = c.read()
	} else if len(p) == 2 && p[0] == 0x01 && p[1] == 0x03 {
		p = c.read()
	}
	return p
}

// prepare sends COM_STMT_PREPARE, reads the definitions that follow COM_STMT_PREPARE_OK and returns the
// announced parameter and column counts.
func (c *rawClassic) prepare(sql string) (params, cols int) {
	c.t.Helper()
	p := c.command(0x16, []byte(sql))
	if p[0] != 0x00 || len(p) != 12 {
		c.t.Fatalf("COM_STMT_PREPARE %s: %q", sql, p)
	}
	cols, params = int(binary.LittleEndian.Uint16(p[5:])), int(binary.LittleEndian.Uint16(p[7:]))
	for i := 0; i < cols+params; i++ {
		c.read()
	}
	return params, cols
}
