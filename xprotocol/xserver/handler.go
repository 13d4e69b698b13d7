package xserver

import (
	"context"
	"sync"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// Handler executes the SQL statements of authenticated sessions (StmtExecute with namespace "sql").
// Admin commands (namespace "mysqlx": ping, list_notices, enable_notices, disable_notices, kill_client,
// list_clients) never reach it: the Server answers them itself.
//
// ExecuteSQL streams its answer through w. Returning nil ends the statement (the Server closes an open
// result set, sends the rows-affected / last-insert-id notices and StmtExecuteOk). Returning an *Error
// sends it as an Error message and the session stays open (unless its Severity is SeverityFatal);
// any other error is sent as ERROR 1105 (HY000). ctx is cancelled when the session closes or the
// Server shuts down. Calls for one session never overlap; calls for different sessions run concurrently.
type Handler interface {
	ExecuteSQL(ctx context.Context, s *ServerSession, stmt string, args []wire.Any, w ResultWriter) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, s *ServerSession, stmt string, args []wire.Any, w ResultWriter) error

// ExecuteSQL calls f.
func (f HandlerFunc) ExecuteSQL(ctx context.Context, s *ServerSession, stmt string, args []wire.Any,
	w ResultWriter) error {
	return f(ctx, s, stmt, args, w)
}

// ResultWriter sends a statement's results. Methods must be called from the ExecuteSQL goroutine only.
type ResultWriter interface {
	// WriteColumns starts a result set with this column metadata. Calling it again starts the next
	// result set (the previous one ends with FetchDoneMoreResultsets).
	WriteColumns(cols ...wire.ColumnMetaData) error
	// WriteRow sends one row of the current result set, one value per column, encoded by the column's
	// type: nil is NULL; SINT takes signed or unsigned Go integers and bool; UINT and BIT take integers
	// and bool; DOUBLE and FLOAT take floats and integers; BYTES and ENUM take string, []byte or an
	// integer (formatted); DECIMAL takes its text form (string) or a float or integer; TIME takes
	// time.Duration; DATETIME takes time.Time or DateTime; SET takes []string.
	WriteRow(values ...any) error
	// WriteRawRow sends one row of already-encoded fields (see the Append*Field functions).
	WriteRawRow(fields ...[]byte) error
	// WriteWarning sends a WARNING notice (LOCAL) if the session has "warnings" enabled (the default).
	WriteWarning(w wire.Warning) error
	// SetRowsAffected sets the ROWS_AFFECTED the statement reports. Statements without a result set
	// always report it (0 unless set).
	SetRowsAffected(n uint64)
	// SetLastInsertID makes the statement report GENERATED_INSERT_ID.
	SetLastInsertID(id uint64)
	// SetMessage makes the statement report PRODUCED_MESSAGE (e.g. "Rows matched: 1  Changed: 1").
	SetMessage(msg string)
}

// Account is what the Server needs to authenticate one user.
type Account struct {
	// User is the account name (host part is not modelled: every host matches).
	User string
	// Password is the plaintext password ("" for none).
	Password string
	// Plugin is the account's auth plugin: PluginCachingSHA2 (the default when empty) or
	// PluginNativePassword. As in MySQL, MYSQL41 only succeeds for mysql_native_password accounts, and
	// SHA256_MEMORY only after a PLAIN login over TLS cached the account (caching_sha2_password accounts).
	Plugin string
}

// CredentialStore looks up accounts. LookupAccount must be safe for concurrent use. A change of an
// account's password invalidates its SHA256_MEMORY cache entry (as ALTER USER does in MySQL).
type CredentialStore interface {
	LookupAccount(user string) (Account, bool)
}

// StaticCredentials is a CredentialStore holding a fixed set of accounts, safe for concurrent use;
// Set replaces or adds an account at run time.
type StaticCredentials struct {
	mu       sync.RWMutex
	accounts map[string]Account
}

// NewStaticCredentials returns a store holding accounts.
func NewStaticCredentials(accounts ...Account) *StaticCredentials {
	c := &StaticCredentials{accounts: make(map[string]Account, len(accounts))}
	for _, a := range accounts {
		c.accounts[a.User] = a
	}
	return c
}

// Set adds or replaces an account.
func (c *StaticCredentials) Set(a Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts[a.User] = a
}

// Delete removes an account.
func (c *StaticCredentials) Delete(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.accounts, user)
}

// LookupAccount implements CredentialStore.
func (c *StaticCredentials) LookupAccount(user string) (Account, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.accounts[user]
	return a, ok
}
