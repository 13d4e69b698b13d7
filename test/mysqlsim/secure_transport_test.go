package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// A member started with require_secure_transport=ON refuses classic and X Protocol connections without TLS
// with ER_SECURE_TRANSPORT_REQUIRED (3159), accepts them over TLS, and follows SET GLOBAL at the next login.
func TestRequireSecureTransportRefusesPlainConnections(t *testing.T) {
	tc := newCluster(t, 1, "", func(_ int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
		c.Options = map[string]string{"require_secure_transport": "ON"}
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	classicAddr, xAddr, _ := fe.Addrs(tc.members[0])
	ping := func(tlsParam string) error {
		db, err := sql.Open("mysql", fmt.Sprintf("root:rootpw@tcp(%s)/?tls=%s", classicAddr, tlsParam))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		return db.Ping()
	}
	var me *mysql.MySQLError
	if err := ping("false"); !errors.As(err, &me) || me.Number != 3159 {
		t.Fatalf("classic without TLS: %v", err)
	}
	if err := ping("skip-verify"); err != nil {
		t.Fatalf("classic over TLS: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dialX := func(mode xprotocol.TLSMode) (*xprotocol.Session, error) {
		return xprotocol.Dial(ctx, xAddr, xprotocol.Config{User: "root", Password: "rootpw", TLSMode: mode})
	}
	var xe *wire.Error
	if _, err := dialX(xprotocol.TLSDisabled); !errors.As(err, &xe) || xe.Code != 3159 {
		t.Fatalf("X without TLS: %v", err)
	}
	xs, err := dialX(xprotocol.TLSRequired)
	if err != nil {
		t.Fatalf("X over TLS: %v", err)
	}
	if _, err := xs.Execute(ctx, "SET GLOBAL require_secure_transport = OFF"); err != nil {
		t.Fatal(err)
	}
	_ = xs.Close()
	if err := ping("false"); err != nil {
		t.Fatalf("classic without TLS once the variable is OFF: %v", err)
	}
}
