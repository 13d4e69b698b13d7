// Command mysqlsim runs simulated MySQL 8.4 Group Replication members on loopback addresses, each
// with a classic protocol and an X Protocol listener, plus an HTTP control endpoint for failure
// injection. Data statements go to one real MariaDB (--data-dsn).
//
//	mysqlsim --data-dsn 'root@tcp(127.0.0.1:3307)/orca' --members 3 --control 127.0.0.1:8080
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	// Registers the "mysql" driver for the data store.
	_ "github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/test/mysqlsim"
)

type optionFlags map[string]string

func (o optionFlags) String() string { return fmt.Sprint(map[string]string(o)) }

func (o optionFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("option %q: want name=value", s)
	}
	o[k] = v
	return nil
}

type settings struct {
	dataDSN, names, base, control, rootPassword string
	members, port, xport                        int
	second                                      time.Duration
	clusterDefaults                             bool
	options                                     optionFlags
}

func main() {
	s := settings{options: optionFlags{}}
	flag.StringVar(&s.dataDSN, "data-dsn", "", "go-sql-driver DSN of the MariaDB that holds the group's data")
	flag.IntVar(&s.members, "members", 3, "number of members (ignored when --names is set)")
	flag.StringVar(&s.names, "names", "", "comma-separated member names (default mysql-0, mysql-1, ...)")
	flag.StringVar(&s.base, "base-address", "127.0.0.2", "address of the first member; the next ones count up")
	flag.IntVar(&s.port, "port", 3306, "classic protocol port of every member")
	flag.IntVar(&s.xport, "xport", 33060, "X Protocol port of every member")
	flag.StringVar(&s.control, "control", "127.0.0.1:8080", "address of the HTTP control endpoint")
	flag.DurationVar(&s.second, "second", time.Second, "length of one simulated second (timeouts scale with it)")
	flag.StringVar(&s.rootPassword, "root-password", "", "password of 'root'@'%'")
	flag.BoolVar(&s.clusterDefaults, "cluster-defaults", true, "load the group_replication and clone plugins, "+
		"turn GTIDs on and set server_id and group_replication_local_address (host:33061)")
	flag.Var(s.options, "option", "my.cnf option name=value for every member (repeatable)")
	flag.Parse()
	if err := run(s); err != nil {
		fmt.Fprintln(os.Stderr, "mysqlsim:", err)
		os.Exit(1)
	}
}

func run(s settings) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: s.second, DataDSN: s.dataDSN})
	if err != nil {
		return err
	}
	defer func() { _ = g.Close() }()
	if err := addMembers(g, s); err != nil {
		return err
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		return err
	}
	defer fe.Shutdown()
	srv := &http.Server{Addr: s.control, Handler: mysqlsim.ControlHandler(g), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	for _, m := range g.Members() {
		fmt.Printf("member %s uuid %s classic %s:%d x %s:%d\n",
			m.Name(), m.UUID(), m.Host(), m.Port(), m.Host(), m.XPort())
	}
	fmt.Printf("control http://%s/members\n", s.control)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func addMembers(g *mysqlsim.Group, s settings) error {
	names := strings.Split(s.names, ",")
	if s.names == "" {
		names = nil
		for i := 0; i < s.members; i++ {
			names = append(names, fmt.Sprintf("mysql-%d", i))
		}
	}
	ip := net.ParseIP(s.base).To4()
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--base-address %q must be an IPv4 loopback address", s.base)
	}
	for i, name := range names {
		host := net.IPv4(ip[0], ip[1], ip[2], ip[3]+byte(i)).String()
		opts := map[string]string{}
		if s.clusterDefaults {
			opts["server_id"] = fmt.Sprint(i + 1)
			opts["gtid_mode"] = "ON"
			opts["enforce_gtid_consistency"] = "ON"
			opts["plugin_load_add"] = "group_replication.so,mysql_clone.so"
			opts["group_replication_start_on_boot"] = "OFF"
			opts["group_replication_local_address"] = host + ":33061"
		}
		for k, v := range s.options {
			opts[k] = v
		}
		_, err := g.AddMember(mysqlsim.MemberConfig{Name: strings.TrimSpace(name), Host: host, Port: s.port,
			XPort: s.xport, RootPassword: s.rootPassword, Options: opts})
		if err != nil {
			return err
		}
	}
	return nil
}
