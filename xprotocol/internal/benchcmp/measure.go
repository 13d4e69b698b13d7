package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	// Registers the "mysql" driver for the classic-protocol comparison.
	_ "github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/internal/benchkit"
	"github.com/orca-operator/orca/xprotocol/probe"
	"github.com/orca-operator/orca/xprotocol/probe/probetest"
)

func measurePing(addr string, r *report) error {
	ctx := context.Background()
	s, err := xprotocol.Dial(ctx, addr, xprotocol.Config{User: benchkit.User, Password: benchkit.Password})
	if err != nil {
		return fmt.Errorf("dial bench server: %w", err)
	}
	defer s.Close()
	var pingErr error
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := s.Ping(ctx); err != nil {
				pingErr = err
				b.FailNow()
			}
		}
	})
	if pingErr != nil {
		return fmt.Errorf("x protocol ping: %w", pingErr)
	}
	r.xPingNs, r.xPingAllocs = float64(res.NsPerOp()), res.AllocsPerOp()
	return measureClassicPing(r)
}

func measureClassicPing(r *report) error {
	dir, err := os.MkdirTemp("", "orca-benchcmp-mariadb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	m, err := peers.StartMariaDBIn(dir)
	if err != nil {
		return fmt.Errorf("start MariaDB (run make test-deps): %w", err)
	}
	defer m.Stop()
	db, err := sql.Open("mysql", m.DSN(""))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open classic connection: %w", err)
	}
	defer conn.Close()
	var pingErr error
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := conn.PingContext(ctx); err != nil {
				pingErr = err
				b.FailNow()
			}
		}
	})
	if pingErr != nil {
		return fmt.Errorf("classic ping: %w", pingErr)
	}
	r.classicPingNs, r.classicPingAllocs = float64(res.NsPerOp()), res.AllocsPerOp()
	return nil
}

func measureRows(addr string, n int, r *report) error {
	ctx := context.Background()
	s, err := xprotocol.Dial(ctx, addr, xprotocol.Config{User: benchkit.User, Password: benchkit.Password})
	if err != nil {
		return fmt.Errorf("dial bench server: %w", err)
	}
	defer s.Close()
	const runs = 5
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var total int64
	for i := 0; i < runs; i++ {
		rows, err := s.Query(ctx, "SELECT *")
		if err != nil {
			return fmt.Errorf("query rows: %w", err)
		}
		got, bytes, err := benchkit.DecodeAll(rows)
		if err != nil || got != n {
			return fmt.Errorf("decode rows: got %d of %d: %w", got, n, err)
		}
		total += bytes
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	r.rows = n
	r.rowsPerSec = float64(n*runs) / elapsed.Seconds()
	r.mbPerSec = float64(total) / elapsed.Seconds() / 1e6
	r.allocsPerScalar = float64(after.Mallocs-before.Mallocs) / float64(n*runs*len(benchkit.Columns))
	return nil
}

func measureProber(addrs []string, duration time.Duration, r *report) error {
	ready := make(chan struct{}, len(addrs))
	seen := make(map[string]bool)
	// Observed as the router does: ping, then mysqladmin's three monitor statements.
	results := make(chan probe.Result[mysqladmin.MonitorObservation], 4*len(addrs))
	cfg := probe.Config[mysqladmin.MonitorObservation]{Interval: time.Second, Observe: mysqladmin.ObserveX,
		OnResult: func(res probe.Result[mysqladmin.MonitorObservation]) {
			select {
			case results <- res:
			default:
			}
		}}
	cfg.Session.User, cfg.Session.Password = probetest.User, probetest.Password
	p := probe.New(cfg)
	defer p.Close()
	for i, a := range addrs {
		p.Watch(probe.Member{Name: fmt.Sprintf("member-%d", i), Addr: a})
	}
	go func() {
		for res := range results {
			if res.Reachable && !seen[res.Member] {
				seen[res.Member] = true
				ready <- struct{}{}
			}
		}
	}()
	deadline := time.After(30 * time.Second)
	for i := 0; i < len(addrs); i++ {
		select {
		case <-ready:
		case <-deadline:
			return fmt.Errorf("only %d of %d members reachable", i, len(addrs))
		}
	}
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(duration)
	cpu1, wall1 := cpuTime(), time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.proberCPU = 100 * (cpu1 - cpu0).Seconds() / wall1.Sub(wall0).Seconds()
	r.proberHeapMiB = float64(ms.HeapInuse) / (1 << 20)
	r.proberProbes = len(p.Results())
	return nil
}

// cpuTime is the process's user plus system CPU time (getrusage).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
