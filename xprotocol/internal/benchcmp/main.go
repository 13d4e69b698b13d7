// Command benchcmp prints, in one run, the X Protocol numbers Orca tracks beside their targets:
// ping round trip against our server side vs go-sql-driver/mysql PingContext against a real MariaDB,
// row decoding throughput and allocations per decoded scalar, and the prober's CPU and heap while it
// watches 100 members at 1 Hz. Servers run in a child process so only the client side is measured.
//
//	go run ./xprotocol/internal/benchcmp [-members 100] [-duration 10s] [-rows 100000]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// childEnv makes the binary serve the fake members instead of measuring.
const childEnv = "ORCA_BENCHCMP_CHILD"

// endpoints is what the child prints once it listens.
type endpoints struct {
	Bench   string   `json:"bench"`
	Members []string `json:"members"`
}

func main() {
	members := flag.Int("members", 100, "fake members the prober watches")
	duration := flag.Duration("duration", 10*time.Second, "how long the prober is measured")
	rows := flag.Int("rows", 100_000, "rows in the decoding result")
	flag.Parse()
	if os.Getenv(childEnv) == "1" {
		if err := serveChild(*members, *rows); err != nil {
			fmt.Fprintln(os.Stderr, "benchcmp child:", err)
			os.Exit(1)
		}
		return
	}
	testing.Init()
	if err := run(*members, *duration, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func run(members int, duration time.Duration, rows int) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	child := exec.Command(self, "-members", fmt.Sprint(members), "-rows", fmt.Sprint(rows))
	child.Env = append(os.Environ(), childEnv+"=1")
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return fmt.Errorf("start server child: %w", err)
	}
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	var ep endpoints
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read child endpoints: %w", err)
	}
	if err := json.Unmarshal(line, &ep); err != nil {
		return fmt.Errorf("decode child endpoints %q: %w", line, err)
	}
	report := &report{}
	if err := measurePing(ep.Bench, report); err != nil {
		return err
	}
	if err := measureRows(ep.Bench, rows, report); err != nil {
		return err
	}
	if err := measureProber(ep.Members, duration, report); err != nil {
		return err
	}
	report.print(os.Stdout, len(ep.Members), duration)
	return nil
}
