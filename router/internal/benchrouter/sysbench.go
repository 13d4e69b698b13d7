package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"sort"
	"strconv"

	// Registers the "mysql" driver for the data set's database.
	_ "github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/test/peers"
)

// workloads are the sysbench tests measured, each at every thread count.
var workloads = []string{"oltp_point_select", "oltp_read_only"}

// sample is one sysbench run's figures.
type sample struct{ qps, p95 float64 }

// row is one workload at one thread count: a sample per target per round.
type row struct {
	workload string
	threads  int
	samples  map[string][]sample
}

var (
	qpsLine = regexp.MustCompile(`queries:\s+\d+\s+\(([\d.]+) per sec\.\)`)
	p95Line = regexp.MustCompile(`95th percentile:\s+([\d.]+)`)
)

func sysbench(addr string, o options, workload string, args ...string) (string, error) {
	host, port, _ := net.SplitHostPort(addr)
	base := []string{workload, "--mysql-host=" + host, "--mysql-port=" + port, "--mysql-user=root",
		"--mysql-db=sbtest", fmt.Sprintf("--tables=%d", o.tables), fmt.Sprintf("--table-size=%d", o.rows)}
	cmd := exec.Command("sysbench", append(base, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sysbench %s %v: %w\n%s", workload, args, err, out.String())
	}
	return out.String(), nil
}

// prepare creates the sysbench data set on the MariaDB (sysbench's default prepared-statement mode).
func prepare(maria *peers.MariaDB, o options) error {
	if _, err := exec.LookPath("sysbench"); err != nil {
		return fmt.Errorf("sysbench not installed (run `make test-deps` or hack/peers.sh): %w", err)
	}
	db, err := sql.Open("mysql", maria.DSN(""))
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("CREATE DATABASE sbtest"); err != nil {
		return fmt.Errorf("create sbtest: %w", err)
	}
	fmt.Printf("preparing %d tables of %d rows on MariaDB %s\n", o.tables, o.rows, maria.Addr)
	_, err = sysbench(maria.Addr, o, "oltp_read_only", "prepare")
	return err
}

func measure(t target, o options, workload string, threads int) (sample, error) {
	out, err := sysbench(t.addr, o, workload, fmt.Sprintf("--threads=%d", threads),
		fmt.Sprintf("--time=%d", int(o.time.Seconds())), "--percentile=95", "run")
	if err != nil {
		return sample{}, err
	}
	q, p := qpsLine.FindStringSubmatch(out), p95Line.FindStringSubmatch(out)
	if q == nil || p == nil {
		return sample{}, fmt.Errorf("sysbench output without its figures:\n%s", out)
	}
	qps, _ := strconv.ParseFloat(q[1], 64)
	p95, _ := strconv.ParseFloat(p[1], 64)
	return sample{qps: qps, p95: p95}, nil
}

// measureAll runs every row rounds times; within a row the targets alternate and each round starts with the
// next one, so no target always runs first (on a warmer cache) or last.
func measureAll(o options, targets []target) ([]*row, error) {
	var rows []*row
	for _, w := range workloads {
		for _, n := range o.threads {
			rows = append(rows, &row{workload: w, threads: n, samples: map[string][]sample{}})
		}
	}
	for round := range o.rounds {
		fmt.Printf("round %d of %d\n", round+1, o.rounds)
		for _, r := range rows {
			for i := range targets {
				t := targets[(i+round)%len(targets)]
				s, err := measure(t, o, r.workload, r.threads)
				if err != nil {
					return nil, err
				}
				r.samples[t.name] = append(r.samples[t.name], s)
			}
		}
	}
	return rows, nil
}

// median of the rounds, for QPS and p95 separately.
func median(samples []sample) sample {
	qps := make([]float64, 0, len(samples))
	p95 := make([]float64, 0, len(samples))
	for _, s := range samples {
		qps, p95 = append(qps, s.qps), append(p95, s.p95)
	}
	return sample{qps: mid(qps), p95: mid(p95)}
}

func mid(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}
