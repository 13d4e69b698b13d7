package classic

import "fmt"

// changeUser is COM_CHANGE_USER: the client logs in again on the open connection, possibly as another
// account, answering the greeting's scramble once more (an AuthSwitchRequest when its plugin is not the
// account's, then caching_sha2_password's rounds, exactly as at connect time). On success the session is
// reset as by COM_RESET_CONNECTION, the schema of the packet becomes the default and the client gets OK.
// On failure it gets the ERR and the connection closes, as mysqld does.
func (c *Conn) changeUser(arg []byte) (quit bool) {
	c.mu.Lock()
	caps := c.caps
	c.mu.Unlock()
	resp, err := parseChangeUser(arg, caps)
	if err != nil {
		c.logEnd("change user", c.fail(NewSQLError(ErUnknownCommand, "08S01", "Unknown command"), err.Error()))
		return true
	}
	if err := c.authenticate(resp, c.scramble); err != nil {
		c.logEnd("change user", err)
		return true
	}
	c.clearSession()
	c.mu.Lock()
	c.schema = ""
	if resp.attrs != nil {
		c.attrs = resp.attrs
	}
	c.mu.Unlock()
	if err := c.enterSchema(resp.schema); err != nil {
		c.logEnd("change user", err)
		return true
	}
	return false
}

// parseChangeUser decodes a COM_CHANGE_USER payload (after the command byte) for a connection with the
// negotiated capabilities caps. Unlike HandshakeResponse41 the auth response is always 1-byte-length
// prefixed (or NUL-terminated without CLIENT_SECURE_CONNECTION), and the fields after the schema are
// optional.
func parseChangeUser(b []byte, caps uint32) (*handshakeResponse, error) {
	d := &decoder{b: b}
	r := &handshakeResponse{caps: caps, user: d.nulString()}
	if caps&capSecureConnection != 0 {
		r.authResp = d.bytes(int(d.uint8()))
	} else {
		r.authResp = []byte(d.nulString())
	}
	if len(d.b) > 0 {
		r.schema = string(d.nulOrRest())
	}
	if len(d.b) >= 2 {
		r.charset = uint8(d.uint16())
	}
	if caps&capPluginAuth != 0 && len(d.b) > 0 {
		r.plugin = string(d.nulOrRest())
	}
	if caps&capConnectAttrs != 0 && len(d.b) > 0 {
		r.attrs = parseAttrs(d.lenEncBytes())
	}
	if d.err != nil {
		return nil, fmt.Errorf("parse COM_CHANGE_USER: %w", d.err)
	}
	return r, nil
}
