package classic

// Authentication plugin names.
const (
	// PluginNative is mysql_native_password (SHA-1 challenge-response).
	PluginNative = "mysql_native_password"
	// PluginCachingSHA2 is caching_sha2_password, the MySQL 8.4 default.
	PluginCachingSHA2 = "caching_sha2_password"
)

// Account is what the server needs to authenticate one user.
type Account struct {
	// Password is the cleartext password; empty means no password.
	Password string
	// Plugin is the account's authentication plugin, PluginNative or PluginCachingSHA2.
	// Empty means the server's DefaultAuthPlugin.
	Plugin string
}

// CredentialStore finds accounts. It is called once per login attempt, from the connection's goroutine,
// so an implementation backed by mutable state (CREATE USER, ALTER USER) must be safe for concurrent use.
type CredentialStore interface {
	// LookupAccount returns the account user may log in as from host (the client IP), or false.
	LookupAccount(user, host string) (Account, bool)
}

// CredentialFunc adapts a function to CredentialStore.
type CredentialFunc func(user, host string) (Account, bool)

// LookupAccount calls f.
func (f CredentialFunc) LookupAccount(user, host string) (Account, bool) { return f(user, host) }

// StaticCredentials is a fixed user -> account map that ignores the client host.
type StaticCredentials map[string]Account

// LookupAccount returns m[user].
func (m StaticCredentials) LookupAccount(user, _ string) (Account, bool) {
	a, ok := m[user]
	return a, ok
}
