package migrate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
)

var (
	// ErrLockLost means the runner's fencing token is no longer the current one: another runner took the lock.
	ErrLockLost = errors.New("migration lock lost")
	// ErrChecksumMismatch means a file that was applied (wholly or in part) changed, or disappeared.
	ErrChecksumMismatch = errors.New("an applied migration changed")
	// ErrOutOfOrder means an unapplied file has a version below one that was applied.
	ErrOutOfOrder = errors.New("migration out of order")
	// ErrStatement means a statement failed; the Result's Failure says which.
	ErrStatement = errors.New("statement failed")
	// ErrLintBlocked means the lint found errors under LintPolicy block; nothing was run.
	ErrLintBlocked = errors.New("lint findings block the run")
)

// Fence is the lock the runner holds while it applies: Lease in a pod.
type Fence interface {
	// Token is the fencing token of the lock held; a newer holder has a larger one.
	Token() int64
	// Check returns ErrLockLost (wrapped) when the lock may no longer be held.
	Check(ctx context.Context) error
}

// Runner applies migration files through one connection of DB.
type Runner struct {
	// DB is the database, its default schema the one the history table lives in.
	DB *sql.DB
	// Fence is the lock; its token is checked before every statement.
	Fence Fence
	// Run names the MigrationRun (or whoever runs), recorded in the history. Default "orca migrate".
	Run string
	// Log receives one line per statement applied, with the keys file, statement and gtid.
	Log logr.Logger
	// LintPolicy is "block" to refuse a run whose unapplied statements have lint errors. Default "warn": the
	// findings are only reported.
	LintPolicy string
	// BeforeStatement, for tests, is called before each statement's transaction (crash injection).
	BeforeStatement func(f File, index int)
	// AfterStatement, for tests, is called after a statement ran and before its transaction commits.
	AfterStatement func(f File, index int)
}

// Applied is one file whose statements are all applied.
type Applied struct {
	File, Version, Checksum string
	Statements              int
	// GTIDAfter is the server's GTID position after the file's last statement.
	GTIDAfter string
}

// Failure is the statement that stopped the run.
type Failure struct {
	File      string
	Index     int
	Statement string
	Error     string
}

// Result is what a run did.
type Result struct {
	// Flavor is the server's kind: which GTID variable was read.
	Flavor Flavor
	// Applied lists every file applied by this run or before, in order.
	Applied []Applied
	// Executed counts the statements this run executed.
	Executed int
	// Failure is set when a statement failed.
	Failure *Failure
	// Lint are the findings in the statements this run was to apply.
	Lint []Finding
}

// Apply checks the history against files, then applies every statement not applied yet, in order, and stops
// at the first failure (ErrStatement, with Result.Failure).
func (r *Runner) Apply(ctx context.Context, files []File) (Result, error) {
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close() }()
	flavor, err := detectFlavor(ctx, conn)
	if err != nil {
		return Result{}, err
	}
	s := &session{conn: conn, flavor: flavor}
	res := Result{Flavor: flavor}
	if err := s.ensureTables(ctx); err != nil {
		return res, err
	}
	if err := s.raiseFence(ctx, r.Fence.Token(), r.run()); err != nil {
		return res, err
	}
	hist, err := s.readHistory(ctx)
	if err != nil {
		return res, err
	}
	if err := checkHistory(files, hist); err != nil {
		return res, err
	}
	done := func(v string, i int) bool { h, ok := hist[historyKey{v, i}]; return ok && !h.pending }
	res.Lint = Lint(files, done)
	facts, err := s.readFacts(ctx)
	if err != nil {
		return res, err
	}
	pre := Precheck(files, done, facts)
	res.Lint = append(res.Lint, pre...)
	if err := precheckError(pre); err != nil {
		return res, err
	}
	if r.LintPolicy == "block" && blocking(res.Lint) {
		return res, fmt.Errorf("%d lint findings, errors among them: %w", len(res.Lint), ErrLintBlocked)
	}
	for _, f := range files {
		if err := r.applyFile(ctx, s, f, hist, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (r *Runner) run() string {
	if r.Run == "" {
		return "orca migrate"
	}
	return r.Run
}

// applyFile applies the file's statements that the history lacks and records the GTID after its last one.
func (r *Runner) applyFile(ctx context.Context, s *session, f File, hist map[historyKey]row, res *Result) error {
	ran := false
	for i, st := range f.Statements {
		k := historyKey{f.Version, i}
		h, seen := hist[k]
		if seen && !h.pending {
			continue
		}
		if err := r.Fence.Check(ctx); err != nil {
			return err
		}
		if r.BeforeStatement != nil {
			r.BeforeStatement(f, i)
		}
		if err := r.applyStatement(ctx, s, f, i, seen); err != nil {
			res.Failure = &Failure{File: f.Name, Index: i, Statement: cut(st.Text, 1024), Error: err.Error()}
			if errors.Is(err, ErrLockLost) {
				return err
			}
			return fmt.Errorf("%s statement %d (line %d): %w: %w", f.Name, i, st.Line, ErrStatement, err)
		}
		ran = true
		res.Executed++
	}
	gtid, err := r.fileGTID(ctx, s, f, hist, ran)
	if err != nil {
		return err
	}
	res.Applied = append(res.Applied, Applied{File: f.Name, Version: f.Version, Checksum: f.Checksum,
		Statements: len(f.Statements), GTIDAfter: gtid})
	r.Log.Info("migration applied", "file", f.Name, "statements", len(f.Statements), "gtid", gtid)
	return nil
}

// fileGTID is the GTID position after the file's last statement: read now and recorded on its last history row
// when this run executed some of it, else the one recorded then.
func (r *Runner) fileGTID(ctx context.Context, s *session, f File, hist map[historyKey]row, ran bool) (string, error) {
	last := historyKey{f.Version, len(f.Statements) - 1}
	if !ran {
		return hist[last].gtid, nil
	}
	gtid, err := s.gtidPosition(ctx)
	if err != nil {
		return "", err
	}
	return gtid, s.setGTID(ctx, last, gtid)
}

// applyStatement runs one statement with its history row; pending says a previous run left the row pending
// (an interrupted DDL).
func (r *Runner) applyStatement(ctx context.Context, s *session, f File, i int, pending bool) error {
	if commitsImplicitly(f.Statements[i].Text) {
		return r.applyDDL(ctx, s, f, i, pending)
	}
	return r.applyInTransaction(ctx, s, f, i)
}

// applyInTransaction commits the statement and its history row together: it is applied exactly once.
func (r *Runner) applyInTransaction(ctx context.Context, s *session, f File, i int) error {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := checkFence(ctx, tx, r.Fence.Token()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, f.Statements[i].Text); err != nil {
		return err
	}
	args := historyArgs(f, i, "applied", r.run(), r.Fence.Token())
	if _, err := tx.ExecContext(ctx, insertHistory, args...); err != nil {
		return fmt.Errorf("record the statement: %w", err)
	}
	if r.AfterStatement != nil {
		r.AfterStatement(f, i)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// applyDDL writes the pending row in a transaction that the DDL's implicit commit makes durable, runs the DDL,
// then marks the row applied. Run again over a pending row, a DDL error of the alreadyApplied kind means the
// first attempt did apply it.
func (r *Runner) applyDDL(ctx context.Context, s *session, f File, i int, pending bool) error {
	k := historyKey{f.Version, i}
	if err := r.announce(ctx, s, f, i, pending); err != nil {
		return err
	}
	_, err := s.conn.ExecContext(ctx, f.Statements[i].Text)
	if err != nil && (!pending || !alreadyApplied[errorCode(err)]) {
		_, _ = s.conn.ExecContext(ctx, "ROLLBACK")
		if derr := s.dropPending(ctx, k); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	if r.AfterStatement != nil {
		r.AfterStatement(f, i)
	}
	gtid, err := s.gtidPosition(ctx)
	if err != nil {
		return err
	}
	return s.markApplied(ctx, k, gtid)
}

// announce opens a transaction on the session, checks the fence in it and inserts the pending row (unless a
// previous run left one). The DDL that follows commits it.
func (r *Runner) announce(ctx context.Context, s *session, f File, i int, pending bool) error {
	if _, err := s.conn.ExecContext(ctx, "START TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	var stored int64
	err := s.conn.QueryRowContext(ctx, "SELECT fencing_token FROM "+LockTable+" WHERE id = 1 FOR UPDATE").
		Scan(&stored)
	if err == nil && stored != r.Fence.Token() {
		err = fmt.Errorf("fencing token %d, stored %d: %w", r.Fence.Token(), stored, ErrLockLost)
	}
	if err == nil && !pending {
		_, err = s.conn.ExecContext(ctx, insertHistory, historyArgs(f, i, "pending", r.run(), r.Fence.Token())...)
	}
	if err != nil {
		_, _ = s.conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	return nil
}

// historyArgs are insertHistory's arguments for statement i of f.
func historyArgs(f File, i int, state, run string, token int64) []any {
	return []any{f.Version, i, f.Name, f.Checksum, len(f.Statements), statementChecksum(f.Statements[i]), state, run,
		token}
}

func statementChecksum(s Statement) string {
	sum := sha256.Sum256([]byte(s.Text))
	return hex.EncodeToString(sum[:])
}

// checkHistory refuses a file that changed after it was wholly applied, a partly applied file whose applied
// statements changed (the rest may: fixing the statement that failed is how a failed run is resumed), an
// applied file that disappeared, and an unapplied file below the highest applied version.
func checkHistory(files []File, hist map[historyKey]row) error {
	byVersion := map[string]File{}
	for _, f := range files {
		byVersion[f.Version] = f
	}
	applied := map[string]int{}
	highest := ""
	for _, h := range hist {
		if !h.pending {
			applied[h.version]++
		}
		if highest == "" || compareVersions(h.version, highest) > 0 {
			highest = h.version
		}
	}
	for _, h := range hist {
		if err := checkRow(h, byVersion, applied[h.version] == h.statements); err != nil {
			return err
		}
	}
	for _, f := range files {
		_, started := hist[historyKey{f.Version, 0}]
		if !started && len(f.Statements) > 0 && highest != "" && compareVersions(f.Version, highest) < 0 {
			return fmt.Errorf("%s is not applied but %s is: %w", f.Name, highest, ErrOutOfOrder)
		}
	}
	return nil
}

// checkRow compares one history row with the file of its version; complete says the file was wholly applied.
func checkRow(h row, files map[string]File, complete bool) error {
	f, ok := files[h.version]
	switch {
	case !ok:
		return fmt.Errorf("%s (version %s) was applied and is gone: %w", h.file, h.version, ErrChecksumMismatch)
	case complete && f.Checksum != h.checksum:
		return fmt.Errorf("%s was applied with checksum %s and is now %s: %w", f.Name, h.checksum, f.Checksum,
			ErrChecksumMismatch)
	case h.index >= len(f.Statements) || statementChecksum(f.Statements[h.index]) != h.stmtChecksum:
		return fmt.Errorf("statement %d of %s was applied and has changed: %w", h.index, f.Name, ErrChecksumMismatch)
	}
	return nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
