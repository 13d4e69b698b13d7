package mysqlsim

import (
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// simGroup is a bootstrapped group of n members behind classic frontends, root password "rootpw".
type simGroup struct {
	*testCluster
	dbName string
	fe     *Frontends
}

// simulatedGroup starts n members on free ports, serves them and bootstraps the group; it returns the
// members' classic addresses in order.
func simulatedGroup(t *testing.T, n int) (*simGroup, []string) {
	t.Helper()
	dsn := dataDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tc := newCluster(t, n, dsn, func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	tc.bootstrap()
	var addrs []string
	for _, m := range tc.members {
		addr, _, _ := fe.Addrs(m)
		warmAuthCache(t, addr)
		addrs = append(addrs, addr)
	}
	return &simGroup{testCluster: tc, dbName: cfg.DBName, fe: fe}, addrs
}

func rootDB(t *testing.T, addr string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root:rootpw@tcp("+addr+")/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
