package pitr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/binlog"
)

// ReplayOptions say what to replay onto which server.
type ReplayOptions struct {
	// Store is the cluster's backup store (the archive lives under Prefix in it).
	Store backup.Store
	// Plan is the result of PlanReplay (or Check).
	Plan Plan
	// Target is the server the base backup was restored into.
	Target backup.Server
	// BinlogTool and Client turn a binary log file into statements and run them. Defaults: mariadb-binlog and
	// mariadb for MariaDB archives, mysqlbinlog and mysql for MySQL ones.
	BinlogTool, Client string
	// TLSCAFile and TLSServerName, when either is set, make the client encrypt and verify the target as the
	// runners' --tls-ca-file and --tls-server-name do: the chain with that bundle (the client's default roots
	// when empty) and the host's name (VERIFY_IDENTITY). The mysql client cannot check a name other than the
	// host's, so with another TLSServerName it verifies the chain only (VERIFY_CA); the mariadb client cannot
	// verify the chain without the name, so there that is an error.
	TLSCAFile, TLSServerName string
	// Log receives progress; the zero Logger discards.
	Log logr.Logger
}

// Reached is the point a replay reached.
type Reached struct {
	// GTID and Time are the last replayed transaction's ("" and zero when nothing was replayed).
	GTID string    `json:"gtid,omitempty"`
	Time time.Time `json:"time,omitzero"`
	// GTIDSet is the backup's set plus every replayed transaction.
	GTIDSet      string `json:"gtidSet"`
	Transactions int    `json:"transactions"`
	Segments     int    `json:"segments"`
}

// Check reads the archive's index and plans the replay from a backup at base to the point: ErrGap (with the
// reason) before anything is restored when the chain cannot get there.
func Check(ctx context.Context, st backup.Store, base string, p Point) (Plan, error) {
	segs, present, err := LoadIndex(ctx, st)
	if err != nil {
		return Plan{}, err
	}
	return PlanReplay(Analyze(segs, present), base, p)
}

// Replay verifies the SHA-256 of every planned segment, then replays their transactions the backup lacks, up to
// the point, through the server's own binlog tool.
func Replay(ctx context.Context, o ReplayOptions) (Reached, error) {
	segs := o.Plan.Segments
	for _, s := range segs {
		if _, err := backup.ReadVerified(ctx, o.Store, SegmentKey(s.Seq), s.Size, s.SHA256); err != nil {
			return Reached{}, fmt.Errorf("verify segment %d before the replay: %w", s.Seq, err)
		}
	}
	r := &replayer{o: o.withDefaults(), state: o.Plan.Base.Clone()}
	for _, s := range segs {
		done, err := r.segment(ctx, s)
		if err != nil {
			return r.reached(), err
		}
		if done {
			break
		}
	}
	if !o.Plan.target.Empty() && !r.state.Includes(o.Plan.target) {
		return r.reached(), fmt.Errorf("%w: replay ended at %s without %s", ErrGap, r.state, o.Plan.Point)
	}
	return r.reached(), nil
}

func (o ReplayOptions) withDefaults() ReplayOptions {
	mariadb := o.Plan.Base.MariaDB
	if o.BinlogTool == "" {
		o.BinlogTool = map[bool]string{true: "mariadb-binlog", false: "mysqlbinlog"}[mariadb]
	}
	if o.Client == "" {
		o.Client = map[bool]string{true: "mariadb", false: "mysql"}[mariadb]
	}
	return o
}

type replayer struct {
	o        ReplayOptions
	state    binlog.Set
	last     *binlog.Transaction
	txns     int
	segments int
}

func (r *replayer) reached() Reached {
	out := Reached{GTIDSet: r.state.String(), Transactions: r.txns, Segments: r.segments}
	if r.last != nil {
		out.GTID, out.Time = r.last.GTID.String(), r.last.Time
	}
	return out
}

// segment replays one segment's wanted transactions; done is true once the point is reached.
func (r *replayer) segment(ctx context.Context, s Segment) (done bool, err error) {
	b, err := backup.ReadVerified(ctx, r.o.Store, SegmentKey(s.Seq), s.Size, s.SHA256)
	if err != nil {
		return false, fmt.Errorf("read segment %d: %w", s.Seq, err)
	}
	txns, err := binlog.ReadFile(b)
	if err != nil {
		return false, fmt.Errorf("%w: segment %d: %w", backup.ErrCorrupt, s.Seq, err)
	}
	local := r.state.Clone()
	var keep []*binlog.Transaction
	for _, t := range txns {
		if done = r.reachedBefore(t, local); done {
			break
		}
		if !local.Contains(t.GTID) {
			keep = append(keep, t)
			local.Add(t.GTID)
		}
	}
	if len(keep) > 0 {
		if err := r.apply(ctx, keep); err != nil {
			return false, fmt.Errorf("replay segment %d: %w", s.Seq, err)
		}
	}
	r.state = local
	r.segments++
	target := r.o.Plan.target
	return done || (!target.Empty() && local.Includes(target)), nil
}

// reachedBefore reports whether the point lies before t: t is logged at or after the time, or the GTIDs
// replayed so far already complete the set.
func (r *replayer) reachedBefore(t *binlog.Transaction, state binlog.Set) bool {
	p := r.o.Plan
	if !p.Point.Time.IsZero() {
		return !t.Time.Before(p.Point.Time)
	}
	return !p.target.Empty() && state.Includes(p.target)
}

// apply pipes a binary log file of the transactions through the binlog tool into the client.
func (r *replayer) apply(ctx context.Context, txns []*binlog.Transaction) error {
	var file bytes.Buffer
	if _, err := binlog.WriteFile(&file, txns[0].Format, txns); err != nil {
		return err
	}
	if err := r.run(ctx, &file); err != nil {
		return err
	}
	r.txns += len(txns)
	r.last = txns[len(txns)-1]
	r.o.Log.V(1).Info("replayed transactions", "count", len(txns), "lastGTID", r.last.GTID.String())
	return nil
}

func (r *replayer) run(ctx context.Context, file io.Reader) error {
	host, port, err := net.SplitHostPort(r.o.Target.Addr)
	if err != nil {
		return fmt.Errorf("target address %q: %w", r.o.Target.Addr, err)
	}
	args, err := clientArgs(r.o, host, port)
	if err != nil {
		return err
	}
	tool := exec.CommandContext(ctx, r.o.BinlogTool, "-")
	client := exec.CommandContext(ctx, r.o.Client, args...)
	client.Env = append(os.Environ(), "MYSQL_PWD="+r.o.Target.Password) // never on the command line
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("pipe %s to %s: %w", r.o.BinlogTool, r.o.Client, err)
	}
	var toolErr, clientErr bytes.Buffer
	tool.Stdin, tool.Stdout, tool.Stderr = file, pw, &toolErr
	client.Stdin, client.Stderr = pr, &clientErr
	errStart := client.Start()
	if errStart == nil {
		if errStart = tool.Start(); errStart != nil {
			_ = client.Process.Kill()
		}
	}
	_, _ = pr.Close(), pw.Close() // the children hold their own ends
	if errStart != nil {
		_ = client.Wait()
		return fmt.Errorf("start %s | %s: %w", r.o.BinlogTool, r.o.Client, errStart)
	}
	toolRun, clientRun := tool.Wait(), client.Wait()
	if toolRun != nil {
		return fmt.Errorf("%s: %w: %s", r.o.BinlogTool, toolRun, lastLine(toolErr.Bytes()))
	}
	if clientRun != nil {
		return fmt.Errorf("%s: %w: %s", r.o.Client, clientRun, lastLine(clientErr.Bytes()))
	}
	return nil
}

func lastLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return string(b)
}
