// Command benchrouter prints, in one run on loopback, `orca router` beside a real HAProxy 2.6 (tcp mode) and
// beside connecting directly, all three in front of one real MariaDB holding a sysbench data set: sysbench
// oltp_point_select and oltp_read_only at 4, 16 and 64 threads, the three targets alternating, three rounds,
// QPS and p95 per row with the ratios and the verdict against the targets; then 5,000 idle connections held
// through each proxy, with its RSS per 1,000 connections. The router runs with a static backend
// (--static-backend, a benchmark aid), so both proxies are given the same single backend.
//
//	go run ./router/internal/benchrouter [-time 10s] [-rounds 3] [-idle 5000]   (make bench-router)
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orca-operator/orca/internal/benchtool"
	"github.com/orca-operator/orca/test/peers"
)

type options struct {
	sysbench bool
	time     time.Duration
	rounds   int
	idle     int
	tables   int
	rows     int
	threads  []int
}

func main() {
	o := options{threads: []int{4, 16, 64}}
	flag.BoolVar(&o.sysbench, "sysbench", true, "run the sysbench rows (false: only the idle connections)")
	flag.DurationVar(&o.time, "time", 10*time.Second, "length of each sysbench run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of every row, the targets alternating")
	flag.IntVar(&o.idle, "idle", 5000, "idle connections held through each proxy")
	flag.IntVar(&o.tables, "tables", 4, "sysbench tables")
	flag.IntVar(&o.rows, "table-size", 100000, "rows per sysbench table")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchrouter:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "orca-bench-router-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	fmt.Printf("load average at start: %s\n", benchtool.LoadAverage())
	orca, err := benchtool.BuildOrca(dir)
	if err != nil {
		return err
	}
	if o.sysbench {
		if err := throughput(dir, orca, o); err != nil {
			return err
		}
	}
	idle, err := measureIdle(dir, orca, o.idle)
	if err != nil {
		return err
	}
	printIdle(o.idle, idle)
	fmt.Printf("load average at end: %s\n", benchtool.LoadAverage())
	return nil
}

// throughput runs the sysbench rows on a fresh MariaDB, directly and through both proxies.
func throughput(dir, orca string, o options) error {
	if err := os.Mkdir(filepath.Join(dir, "mariadb"), 0o755); err != nil {
		return err
	}
	maria, err := peers.StartMariaDBIn(filepath.Join(dir, "mariadb"))
	if err != nil {
		return fmt.Errorf("start MariaDB: %w", err)
	}
	defer maria.Stop()
	if err := prepare(maria, o); err != nil {
		return err
	}
	targets, stop, err := startProxies(dir, orca, maria.Addr)
	if err != nil {
		return err
	}
	results, err := measureAll(o, targets)
	stop()
	if err != nil {
		return err
	}
	printThroughput(o, results)
	return nil
}
