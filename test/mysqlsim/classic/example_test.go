package classic_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

// A server with one account whose handler answers every query with its own text.
func ExampleServer() {
	srv := &classic.Server{
		Credentials: classic.StaticCredentials{"app": {Password: "secret"}}, // caching_sha2_password
		Handler: classic.HandlerFunc(func(_ context.Context, c *classic.Conn, q string) ([]*classic.Result, error) {
			if q == "fail" {
				return nil, &classic.SQLError{Code: 1146, State: "42S02", Message: "Table 'db.t' doesn't exist"}
			}
			return []*classic.Result{{
				Columns: []classic.Column{{Name: "user"}, {Name: "query"}},
				Rows:    [][]any{{c.User(), q}},
			}}, nil
		}),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "app", "secret", "tcp", l.Addr().String()
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()

	var user, query string
	if err := db.QueryRow("hello").Scan(&user, &query); err != nil {
		panic(err)
	}
	fmt.Println(user, query)
	_, err = db.Exec("fail")
	fmt.Println(err)
	// Output:
	// app hello
	// Error 1146 (42S02): Table 'db.t' doesn't exist
}
