package classic

import (
	"errors"
	"fmt"
	"time"
)

// errLoginFailed ends a connection whose login was refused; the ERR packet has already been sent.
var errLoginFailed = errors.New("login refused")

// handshake runs the connection phase: greeting, optional TLS upgrade, authentication, initial schema,
// and the final OK.
func (c *Conn) handshake() error {
	_ = c.raw.SetDeadline(time.Now().Add(c.srv.handshakeTimeout()))
	defer func() { _ = c.raw.SetDeadline(time.Time{}) }()
	scramble, err := newScramble()
	if err != nil {
		return err
	}
	c.scramble = scramble
	caps := serverCaps
	if c.srv.TLSConfig != nil {
		caps |= capSSL
	}
	c.pkt.seq = 0
	if err := c.send(greeting(c.srv.version(), c.id, scramble, caps, c.srv.defaultPlugin())); err != nil {
		return err
	}
	resp, err := c.readHandshakeResponse(caps)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.caps = resp.caps & caps
	c.attrs = resp.attrs
	c.mu.Unlock()
	if c.insecureRefused() {
		return c.fail(NewSQLError(ErSecureTransportRequired, "HY000", "Connections using insecure transport are "+
			"prohibited while --require_secure_transport=ON."), "insecure transport")
	}
	if err := c.authenticate(resp, scramble); err != nil {
		return err
	}
	return c.enterSchema(resp.schema)
}

// readHandshakeResponse reads the client's answer to the greeting, upgrading to TLS on an SSLRequest.
func (c *Conn) readHandshakeResponse(caps uint32) (*handshakeResponse, error) {
	resp, err := c.readResponsePacket()
	if err != nil {
		return nil, err
	}
	if !resp.sslRequest {
		return resp, nil
	}
	if caps&capSSL == 0 {
		return nil, c.fail(NewSQLError(ErHandshake, "08S01", "Bad handshake"), "SSL requested but not offered")
	}
	if err := c.upgradeTLS(); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	if resp, err = c.readResponsePacket(); err == nil && resp.sslRequest {
		return nil, c.fail(NewSQLError(ErHandshake, "08S01", "Bad handshake"), "second SSLRequest")
	}
	return resp, err
}

func (c *Conn) readResponsePacket() (*handshakeResponse, error) {
	data, err := c.pkt.readPacket()
	if err != nil {
		return nil, c.readFailed(err)
	}
	resp, err := parseHandshakeResponse(data)
	if err != nil {
		return nil, c.fail(NewSQLError(ErHandshake, "08S01", "Bad handshake"), err.Error())
	}
	return resp, nil
}

// authenticate checks the login against the credential store and sends the result.
// An unknown user goes through the same exchange as a wrong password so accounts cannot be probed.
func (c *Conn) authenticate(resp *handshakeResponse, scramble []byte) error {
	acct, known := c.lookup(resp.user)
	plugin := acct.Plugin
	if plugin == "" {
		plugin = c.srv.defaultPlugin()
	}
	clientPlugin := resp.plugin
	if resp.caps&capPluginAuth == 0 {
		clientPlugin = PluginNative
	}
	if !known && supportedPlugin(clientPlugin) {
		plugin = clientPlugin
	}
	authResp := resp.authResp
	if clientPlugin != plugin {
		if err := c.send(authSwitchPayload(plugin, scramble)); err != nil {
			return err
		}
		var err error
		if authResp, err = c.pkt.readPacket(); err != nil {
			return c.readFailed(err)
		}
	}
	ok, err := c.verify(plugin, resp.user, acct, known, scramble, authResp)
	if err != nil {
		return err
	}
	if !ok {
		return c.fail(accessDenied(resp.user, c.host, len(authResp) > 0), "access denied")
	}
	c.mu.Lock()
	c.user, c.plugin = resp.user, plugin
	c.mu.Unlock()
	c.srv.Logger.V(1).Info("authenticated", "conn", c.id, "user", resp.user, "plugin", plugin,
		"switched", clientPlugin != plugin, "path", c.authPath)
	return nil
}

func supportedPlugin(p string) bool { return p == PluginNative || p == PluginCachingSHA2 }

func (c *Conn) lookup(user string) (Account, bool) {
	if c.srv.Credentials == nil {
		return Account{}, false
	}
	return c.srv.Credentials.LookupAccount(user, c.host)
}

// verify checks authResp for plugin, running caching_sha2_password's extra round trips when needed.
func (c *Conn) verify(plugin, user string, acct Account, known bool, scramble, authResp []byte) (bool, error) {
	switch plugin {
	case PluginNative:
		c.authPath = "native"
		return known && tokensEqual(authResp, nativeToken(scramble, acct.Password)), nil
	case PluginCachingSHA2:
		return c.verifySHA2(user, acct, known, scramble, authResp)
	}
	return false, c.fail(NewSQLError(ErNotSupportedAuth, "08004",
		"Client does not support authentication protocol requested by server; consider upgrading MySQL client"),
		"unsupported plugin "+plugin)
}

// caching_sha2_password AuthMoreData statuses.
const (
	sha2RequestPublicKey byte = 0x02
	sha2FastAuthOK       byte = 0x03
	sha2FullAuth         byte = 0x04
)

// verifySHA2 runs caching_sha2_password: fast auth when the cache knows the account's current password,
// otherwise full auth with the cleartext password over TLS or RSA-encrypted without.
func (c *Conn) verifySHA2(user string, acct Account, known bool, scramble, authResp []byte) (bool, error) {
	if len(authResp) == 0 {
		c.authPath = "empty"
		return known && acct.Password == "", nil
	}
	if known && c.srv.cache.has(user, acct.Password) {
		c.authPath = "fast"
		if !tokensEqual(authResp, sha2Token(scramble, acct.Password)) {
			return false, nil
		}
		return true, c.send(authMoreData(sha2FastAuthOK))
	}
	if err := c.send(authMoreData(sha2FullAuth)); err != nil {
		return false, err
	}
	password, readable, err := c.receivePassword(scramble)
	if err != nil {
		return false, err
	}
	ok := known && readable && tokensEqual([]byte(password), []byte(acct.Password))
	if ok {
		c.srv.cache.remember(user, acct.Password)
	}
	return ok, nil
}

// receivePassword reads the password of a full authentication: in clear over TLS, otherwise encrypted with
// the server's RSA key, which the client may first ask for. readable is false when the ciphertext does not
// decrypt: a failed login, not a broken connection.
func (c *Conn) receivePassword(scramble []byte) (password string, readable bool, err error) {
	data, err := c.pkt.readPacket()
	if err != nil {
		return "", false, c.readFailed(err)
	}
	wantsKey := len(data) == 1 && data[0] == sha2RequestPublicKey
	if c.TLS() && !wantsKey {
		c.authPath = "full-cleartext"
		return string(trimNUL(data)), true, nil
	}
	c.authPath = "full-rsa"
	key, pubPEM, err := c.srv.keys.get(c.srv.RSAKey)
	if err != nil {
		return "", false, err
	}
	if wantsKey {
		if err := c.send(authMoreData(pubPEM...)); err != nil {
			return "", false, err
		}
		if data, err = c.pkt.readPacket(); err != nil {
			return "", false, c.readFailed(err)
		}
	}
	password, err = decryptPassword(key, scramble, data)
	if err != nil {
		c.srv.Logger.V(1).Info("caching_sha2_password full auth", "conn", c.id, "error", err.Error())
		return "", false, nil
	}
	return password, true, nil
}

func trimNUL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == 0 {
		return b[:len(b)-1]
	}
	return b
}

// enterSchema applies the schema named in the handshake and sends the final OK.
func (c *Conn) enterSchema(schema string) error {
	if schema != "" {
		if err := c.checkSchema(schema); err != nil {
			return c.fail(toSQLError(err), "initial schema refused")
		}
		c.SetSchema(schema)
	}
	return c.send(c.okPayload(0x00, 0, 0, c.Status(), 0, ""))
}

func (c *Conn) checkSchema(schema string) error {
	if c.srv.CheckSchema == nil {
		return nil
	}
	return c.srv.CheckSchema(c.ctx, c, schema)
}

// insecureRefused reports a connection require_secure_transport refuses: TCP without TLS (a Unix socket is
// secure transport).
func (c *Conn) insecureRefused() bool {
	if c.srv.RequireSecureTransport == nil || c.TLS() || c.raw.LocalAddr().Network() == "unix" {
		return false
	}
	return c.srv.RequireSecureTransport()
}
