package classic

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the protocol's RSA-OAEP padding
	"testing"
)

// changeUserPayload builds COM_CHANGE_USER as libmysqlclient does: 1-byte auth length, schema, collation,
// plugin, attributes.
func changeUserPayload(user string, auth []byte, schema, plugin string) []byte {
	b := append([]byte{comChangeUser}, user...)
	b = append(append(b, 0, byte(len(auth))), auth...)
	b = append(append(b, schema...), 0)
	b = append(b, byte(charsetUTF8MB4), 0)
	b = append(append(b, plugin...), 0)
	return appendLenEncBytes(b, appendLenEncString(appendLenEncString(nil, "_client_name"), "changer"))
}

func TestChangeUserReauthenticatesAndResetsTheSession(t *testing.T) {
	p := &stmtPreparer{}
	s, addr := newStmtServer(t, p)
	r := dialRaw(t, addr, capDeprecateEOF|capConnectAttrs)
	r.rawPrepare("ECHO ?", false)
	okStatus(t, r.command(comQuery, "BEGIN"))
	okStatus(t, r.command(comQuery, "SET v = 1"))

	// A caching_sha2_password account while the client answers with mysql_native_password: the server
	// switches plugins with the connection's scramble, then runs full authentication over RSA.
	r.pkt.seq = 0
	r.write(changeUserPayload("sha2", nativeToken(r.scramble, "sha2-pw"), "app", PluginNative))
	if sw := r.read(); string(sw) != string(authSwitchPayload(PluginCachingSHA2, r.scramble)) {
		t.Fatalf("want AuthSwitchRequest to caching_sha2_password, got %q", sw)
	}
	r.write(sha2Token(r.scramble, "sha2-pw"))
	if more := r.read(); string(more) != string(authMoreData(sha2FullAuth)) {
		t.Fatalf("want full authentication, got %q", more)
	}
	r.write(rsaPassword(t, s.RSAKey, r.scramble, "sha2-pw"))
	if st := okStatus(t, r.read()); st != StatusAutocommit {
		t.Fatalf("status after COM_CHANGE_USER 0x%x: the transaction must be gone", st)
	}
	c := s.Conns()[0]
	if c.User() != "sha2" || c.Schema() != "app" || c.Value() != nil || c.Attrs()["_client_name"] != "changer" {
		t.Fatalf("after change: user %q schema %q value %v attrs %v", c.User(), c.Schema(), c.Value(), c.Attrs())
	}
	if p.closedCount() != 1 {
		t.Fatalf("prepared statements must be closed, %d closed", p.closedCount())
	}

	// Back to the native account in one step, then caching_sha2_password's fast path (the cache is warm).
	r.pkt.seq = 0
	r.write(changeUserPayload("native", nativeToken(r.scramble, "native-pw"), "", PluginNative))
	okStatus(t, r.read())
	if c.User() != "native" || c.Schema() != "" {
		t.Fatalf("after second change: user %q schema %q", c.User(), c.Schema())
	}
	r.pkt.seq = 0
	r.write(changeUserPayload("sha2", sha2Token(r.scramble, "sha2-pw"), "", PluginCachingSHA2))
	if more := r.read(); string(more) != string(authMoreData(sha2FastAuthOK)) {
		t.Fatalf("want fast auth, got %q", more)
	}
	okStatus(t, r.read())

	// A wrong password ends the connection after the ERR, as mysqld does.
	r.pkt.seq = 0
	r.write(changeUserPayload("native", nativeToken(r.scramble, "wrong"), "", PluginNative))
	expectErrPacket(t, r.read(), 1045, "28000", "Access denied for user 'native'@'127.0.0.1' (using password: YES)")
	if _, err := r.pkt.readPacket(); err == nil {
		t.Fatal("connection still open after a failed COM_CHANGE_USER")
	}
}

func TestChangeUserMalformedPacket(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, 0)
	expectErrPacket(t, r.command(comChangeUser, "no terminator"), 1047, "08S01", "Unknown command")
	if _, err := r.pkt.readPacket(); err == nil {
		t.Fatal("connection still open after a malformed COM_CHANGE_USER")
	}
}

// rsaPassword encrypts the password as caching_sha2_password clients do without TLS.
func rsaPassword(t *testing.T, key *rsa.PrivateKey, scramble []byte, password string) []byte {
	t.Helper()
	plain := append([]byte(password), 0)
	for i := range plain {
		plain[i] ^= scramble[i%len(scramble)]
	}
	enc, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, &key.PublicKey, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}
