// Command benchbackup prints, in one run on loopback, Orca's dump to S3 (versitygw) and restore beside
// mydumper (same threads, compression on, to local disk) and myloader, on one real MariaDB holding a sysbench
// data set, at each data size: MB/s of each, the ratios, Orca's peak RSS and the bytes Orca wrote to local disk.
//
//	go run ./backup/internal/benchbackup [-sizes 256,1024] [-threads 4]   (make bench-backup)
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/internal/benchtool"
	"github.com/orca-operator/orca/test/peers"
)

type options struct {
	sizes   []int // MB of InnoDB data
	threads int
	tables  int
}

// result is one data size's figures.
type result struct {
	sizeMB                       float64
	mydumper, orcaDump           time.Duration
	myloader, orcaRestore        time.Duration
	dumpRSS, restoreRSS          int64         // KiB
	dumpDiskWrite, restoreDiskWr int64         // bytes
	dumpCPU, restoreCPU          time.Duration // orca's user+sys
	orcaBytes, mydumperBytes     int64
}

func main() {
	var sizes string
	o := options{}
	flag.StringVar(&sizes, "sizes", "256,1024", "data sizes in MB (InnoDB data_length), comma-separated")
	flag.IntVar(&o.threads, "threads", 4, "threads of every tool")
	flag.IntVar(&o.tables, "tables", 8, "sysbench tables")
	flag.Parse()
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchbackup: bad -sizes:", err)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchbackup:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "orca-bench-backup-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	fmt.Printf("load average at start: %s\n", benchtool.LoadAverage())
	orca, err := benchtool.BuildOrca(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "s3"), 0o755); err != nil {
		return err
	}
	s3, err := peers.StartS3In(filepath.Join(dir, "s3"), "bench")
	if err != nil {
		return err
	}
	defer s3.Stop()
	var results []result
	for _, size := range o.sizes {
		r, err := measure(dir, orca, s3, o, size)
		if err != nil {
			return fmt.Errorf("%d MB: %w", size, err)
		}
		results = append(results, r)
		report(o, results)
	}
	fmt.Printf("load average at end: %s\n", benchtool.LoadAverage())
	return nil
}

var serverArgs = []string{"--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M",
	"--max-allowed-packet=64M"}

func startServer(dir, name string) (*peers.MariaDB, error) {
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	return peers.StartMariaDBIn(d, serverArgs...)
}

func measure(dir, orca string, s3 *peers.S3, o options, sizeMB int) (result, error) {
	var r result
	tag := strconv.Itoa(sizeMB)
	src, err := startServer(dir, "src-"+tag)
	if err != nil {
		return r, err
	}
	defer src.Stop()
	if r.sizeMB, err = prepare(src, o, sizeMB); err != nil {
		return r, err
	}
	mdDir := filepath.Join(dir, "mydumper-"+tag)
	start := time.Now()
	if err := tool("mydumper", "-h", "127.0.0.1", "-P", strconv.Itoa(src.Port), "-u", "root",
		"-t", strconv.Itoa(o.threads), "-c", "-B", "sbtest", "-o", mdDir); err != nil {
		return r, err
	}
	r.mydumper = time.Since(start)
	r.mydumperBytes = dirSize(mdDir)
	env := []string{"ORCA_BACKUP_USER=root", "AWS_ACCESS_KEY_ID=" + s3.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	store := []string{"--bucket=bench", "--backup-id=b" + tag, "--endpoint=" + s3.Endpoint, "--path-style",
		"--threads=" + strconv.Itoa(o.threads)}
	var us *syscall.Rusage
	if r.orcaDump, us, err = orcaRun(orca, env, append([]string{"backup", "--host=127.0.0.1",
		"--port=" + strconv.Itoa(src.Port), "--databases=sbtest"}, store...)...); err != nil {
		return r, err
	}
	r.dumpRSS, r.dumpDiskWrite, r.dumpCPU = us.Maxrss, us.Oublock*512, cpuTime(us)
	r.orcaBytes = dirSize(filepath.Join(s3.Dir, "bench", "b"+tag))
	src.Stop()
	if err := loadBoth(dir, orca, env, store, mdDir, o, tag, &r); err != nil {
		return r, err
	}
	_ = os.RemoveAll(mdDir)
	return r, nil
}

func loadBoth(dir, orca string, env, store []string, mdDir string, o options, tag string, r *result) error {
	dst, err := startServer(dir, "myloader-"+tag)
	if err != nil {
		return err
	}
	start := time.Now()
	err = tool("myloader", "-h", "127.0.0.1", "-P", strconv.Itoa(dst.Port), "-u", "root",
		"-t", strconv.Itoa(o.threads), "-d", mdDir)
	r.myloader = time.Since(start)
	dst.Stop()
	if err != nil {
		return err
	}
	dst, err = startServer(dir, "orca-restore-"+tag)
	if err != nil {
		return err
	}
	defer dst.Stop()
	var us *syscall.Rusage
	r.orcaRestore, us, err = orcaRun(orca, env, append([]string{"restore", "--host=127.0.0.1",
		"--port=" + strconv.Itoa(dst.Port)}, store...)...)
	if err != nil {
		return err
	}
	r.restoreRSS, r.restoreDiskWr, r.restoreCPU = us.Maxrss, us.Oublock*512, cpuTime(us)
	return nil
}

// prepare loads sysbench tables to about sizeMB of InnoDB data and returns the measured size.
func prepare(m *peers.MariaDB, o options, sizeMB int) (float64, error) {
	db, err := sql.Open("mysql", m.DSN(""))
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("CREATE DATABASE sbtest"); err != nil {
		return 0, err
	}
	rows := sizeMB * 1_000_000 / 220 / o.tables // about 220 bytes of InnoDB data per sysbench row
	if err := tool("sysbench", "oltp_read_only", "--mysql-host=127.0.0.1", "--mysql-port="+strconv.Itoa(m.Port),
		"--mysql-user=root", "--mysql-db=sbtest", "--tables="+strconv.Itoa(o.tables),
		"--table-size="+strconv.Itoa(rows), "--threads="+strconv.Itoa(o.tables), "prepare"); err != nil {
		return 0, err
	}
	var bytes float64
	err = db.QueryRow("SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sbtest'").
		Scan(&bytes)
	return bytes / 1e6, err
}

func tool(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, lastLines(string(out)))
	}
	return nil
}

func orcaRun(bin string, env []string, args ...string) (time.Duration, *syscall.Rusage, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return d, nil, fmt.Errorf("orca %s: %w: %s", args[0], err, lastLines(string(out)))
	}
	us, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, us, nil
}

// cpuTime is a process's user+sys time: how much of a run's two cores Orca itself took from the server.
func cpuTime(us *syscall.Rusage) time.Duration {
	return time.Duration(us.Utime.Nano() + us.Stime.Nano())
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}

func report(o options, results []result) {
	fmt.Printf("\n%d threads; MB/s of InnoDB data; Orca dumps to S3 (versitygw on loopback) with zstd, mydumper "+
		"to local disk with -c\n", o.threads)
	fmt.Printf("%8s | %9s %9s %6s | %9s %9s %6s | %8s %8s | %10s %10s | %9s %9s\n", "data MB", "mydumper",
		"orca", "ratio", "myloader", "orca", "ratio", "dumpRSS", "rstRSS", "orca disk", "orca disk",
		"mydumper", "orca")
	fmt.Printf("%8s | %9s %9s %6s | %9s %9s %6s | %8s %8s | %10s %10s | %9s %9s\n", "", "dump", "dump", "",
		"restore", "restore", "", "MiB", "MiB", "dump B", "restore B", "size MB", "size MB")
	for _, r := range results {
		mbs := func(d time.Duration) float64 { return r.sizeMB / d.Seconds() }
		fmt.Printf("%8.0f | %9.1f %9.1f %6.2f | %9.1f %9.1f %6.2f | %8.0f %8.0f | %10d %10d | %9.1f %9.1f\n",
			r.sizeMB, mbs(r.mydumper), mbs(r.orcaDump), r.mydumper.Seconds()/r.orcaDump.Seconds(),
			mbs(r.myloader), mbs(r.orcaRestore), r.myloader.Seconds()/r.orcaRestore.Seconds(),
			float64(r.dumpRSS)/1024, float64(r.restoreRSS)/1024, r.dumpDiskWrite, r.restoreDiskWr,
			float64(r.mydumperBytes)/1e6, float64(r.orcaBytes)/1e6)
	}
	for _, r := range results {
		fmt.Printf("%.0f MB: orca CPU (user+sys) dump %.1f s of %.1f s, restore %.1f s of %.1f s\n", r.sizeMB,
			r.dumpCPU.Seconds(), r.orcaDump.Seconds(), r.restoreCPU.Seconds(), r.orcaRestore.Seconds())
	}
}
