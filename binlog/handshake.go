package binlog

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // mysql_native_password is defined with SHA-1
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net"
	"time"
)

// Capability flags of the classic protocol's handshake.
const (
	capLongPassword     = 0x00000001
	capProtocol41       = 0x00000200
	capSSL              = 0x00000800
	capTransactions     = 0x00002000
	capSecureConnection = 0x00008000
	capPluginAuth       = 0x00080000
	capPluginAuthLenenc = 0x00200000
	clientCaps          = capLongPassword | capProtocol41 | capSSL | capTransactions | capSecureConnection |
		capPluginAuth | capPluginAuthLenenc
	// utf8mb4GeneralCI is the connection's character set in the handshake response.
	utf8mb4GeneralCI = 45
	// maxHandshakePacket bounds the packets read before authentication succeeds.
	maxHandshakePacket = 1 << 16
)

// Authentication plugins the replication connection speaks.
const (
	pluginNative     = "mysql_native_password"
	pluginCachingSHA = "caching_sha2_password"
)

// ErrNoTLS is a source that does not offer TLS to a stream configured with it.
var ErrNoTLS = errors.New("the source does not offer TLS")

// greeting is what the client needs of the server's HandshakeV10.
type greeting struct {
	caps   uint32
	nonce  []byte
	plugin string
}

func parseGreeting(b []byte) (greeting, error) {
	bad := fmt.Errorf("%w: short or unknown handshake", ErrMalformed)
	if len(b) < 1 || b[0] != 10 {
		return greeting{}, bad
	}
	end := bytes.IndexByte(b[1:], 0)
	if end < 0 || len(b) < 1+end+1+4+8+1+2 {
		return greeting{}, bad
	}
	p := b[1+end+1+4:] // past the version and the connection id
	g := greeting{nonce: append([]byte(nil), p[:8]...)}
	g.caps = uint32(binary.LittleEndian.Uint16(p[9:]))
	p = p[11:]
	if len(p) < 1+2+2+1+10 {
		return g, nil // a pre-4.1 server: refused later for lacking capProtocol41
	}
	g.caps |= uint32(binary.LittleEndian.Uint16(p[3:])) << 16
	authLen := int(p[5])
	p = p[16:]
	if n := max(13, authLen-8); len(p) >= n {
		g.nonce = append(g.nonce, bytes.TrimRight(p[:n], "\x00")...)
		p = p[n:]
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		g.plugin = string(p[:i])
	} else {
		g.plugin = string(p)
	}
	return g, nil
}

// scramble answers a plugin's nonce with the password (empty for an empty password, as the server expects).
func scramble(plugin string, password string, nonce []byte) ([]byte, error) {
	if password == "" {
		return nil, nil
	}
	switch plugin {
	case pluginNative:
		return xorScramble(sha1.New, []byte(password), nonce, true), nil
	case pluginCachingSHA:
		return xorScramble(sha256.New, []byte(password), nonce, false), nil
	}
	return nil, fmt.Errorf("authentication plugin %q is not supported", plugin)
}

// xorScramble is H(pw) XOR H(nonce, H(H(pw))) for mysql_native_password (nonce first) and H(pw) XOR
// H(H(H(pw)), nonce) for caching_sha2_password, where H(H(pw)) is what the server keeps.
func xorScramble(newHash func() hash.Hash, pw, nonce []byte, nonceFirst bool) []byte {
	sum := func(parts ...[]byte) []byte {
		h := newHash()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	h1 := sum(pw)
	stored := sum(h1)
	if len(nonce) > 20 {
		nonce = nonce[:20]
	}
	mix := sum(stored, nonce)
	if nonceFirst {
		mix = sum(nonce, stored)
	}
	for i := range h1 {
		h1[i] ^= mix[i]
	}
	return h1
}

// handshakeResponse is HandshakeResponse41 (the SSLRequest when only is true: its fixed part).
func handshakeResponse(user string, auth []byte, plugin string, only bool) []byte {
	b := binary.LittleEndian.AppendUint32(nil, clientCaps)
	b = binary.LittleEndian.AppendUint32(b, maxPacketPayload)
	b = append(b, utf8mb4GeneralCI)
	b = append(b, make([]byte, 23)...)
	if only {
		return b
	}
	b = append(append(b, user...), 0)
	b = append(b, byte(len(auth))) // a length-encoded integer below 251 is one byte
	b = append(b, auth...)
	return append(append(b, plugin...), 0)
}

// dialTLS opens the replication connection itself, encrypted and verified with cfg.TLS: go-sql-driver wraps its
// socket in TLS internally, where the dump could not take it over. The password is sent only once the
// certificate verified.
func (s *Stream) dialTLS(ctx context.Context) error {
	nc, err := s.cfg.Dialer.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	tc, pc, err := s.handshakeTLS(ctx, nc)
	if err != nil {
		_ = nc.Close()
		return fmt.Errorf("connect to %s: %w", s.cfg.Addr, err)
	}
	_ = nc.SetDeadline(time.Time{})
	pc.limit = MaxEventSize + 1
	s.nc, s.pc = tc, pc
	return nil
}

func (s *Stream) handshakeTLS(ctx context.Context, nc net.Conn) (*tls.Conn, *packetConn, error) {
	pc := &packetConn{rw: nc, limit: maxHandshakePacket}
	raw, err := pc.readPacket()
	if err != nil {
		return nil, nil, err
	}
	if raw[0] == 0xff {
		return nil, nil, parseError(raw)
	}
	g, err := parseGreeting(raw)
	if err != nil {
		return nil, nil, err
	}
	if g.caps&capProtocol41 == 0 || g.caps&capSSL == 0 {
		return nil, nil, ErrNoTLS
	}
	if err := pc.writePacket(handshakeResponse("", nil, "", true)); err != nil {
		return nil, nil, err
	}
	cfg := s.cfg.TLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(s.cfg.Addr)
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, nil, fmt.Errorf("tls: %w", err)
	}
	pc.rw = tc
	return tc, pc, s.authenticate(pc, g)
}

// authenticate sends the response for the server's plugin and follows its switch requests and, for
// caching_sha2_password, the full authentication it may ask for (the password in clear: the connection is TLS).
func (s *Stream) authenticate(pc *packetConn, g greeting) error {
	plugin := g.plugin
	if plugin == "" {
		plugin = pluginNative
	}
	auth, err := scramble(plugin, s.cfg.Password, g.nonce)
	if err != nil {
		return err
	}
	if err := pc.writePacket(handshakeResponse(s.cfg.User, auth, plugin, false)); err != nil {
		return err
	}
	for range 4 {
		p, err := pc.readPacket()
		if err != nil {
			return err
		}
		switch {
		case len(p) == 0:
			return fmt.Errorf("%w: empty authentication reply", ErrMalformed)
		case p[0] == 0x00:
			return nil
		case p[0] == 0xff:
			return parseError(p)
		case p[0] == 0xfe: // AuthSwitchRequest: plugin name, then its nonce
			name, nonce, _ := bytes.Cut(p[1:], []byte{0})
			plugin = string(name)
			if auth, err = scramble(plugin, s.cfg.Password, bytes.TrimRight(nonce, "\x00")); err != nil {
				return err
			}
			err = pc.writePacket(auth)
		case p[0] == 0x01 && plugin == pluginCachingSHA && len(p) == 2 && p[1] == 4: // full authentication
			err = pc.writePacket(append([]byte(s.cfg.Password), 0))
		case p[0] == 0x01 && len(p) == 2 && p[1] == 3: // fast authentication succeeded: OK follows
		default:
			return fmt.Errorf("%w: authentication reply 0x%02x", ErrMalformed, p[0])
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: authentication did not end", ErrMalformed)
}

// exec runs one statement on the replication connection and expects OK.
func (s *Stream) exec(q string) error {
	if err := s.pc.writeCommand(append([]byte{0x03}, q...)); err != nil { // COM_QUERY
		return err
	}
	p, err := s.pc.readPacket()
	if err == nil {
		_, err = parseResponse(p)
	}
	return err
}
