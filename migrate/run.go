package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/go-logr/logr"
)

// Config is one run of the built-in runner, as `orca migrate` is given it.
type Config struct {
	// Source is the repository and commit.
	Source Source
	// Path is the folder of the repository with the V<version>__<name>.sql files.
	Path string
	// WorkDir is where the repository is cloned; it must be empty or absent.
	WorkDir string
	// DB is the database the migrations apply to.
	DB *sql.DB
	// Lease is the cluster's migration lock.
	Lease *Lease
	// Run names the MigrationRun, recorded in the history.
	Run string
	// LintPolicy is the Runner's LintPolicy: warn or block.
	LintPolicy string
	// Log receives the runner's progress.
	Log logr.Logger
	// BeforeStatement and AfterStatement, for tests, are the Runner's hooks of the same name.
	BeforeStatement, AfterStatement func(f File, index int)
}

// Run clones the commit, loads its migrations, takes the Lease, applies what is not applied yet and releases
// the Lease. A lost Lease is not released: it is someone else's.
func Run(ctx context.Context, c Config) (Result, error) {
	if err := Clone(ctx, c.Source, c.WorkDir); err != nil {
		return Result{}, err
	}
	files, err := Load(os.DirFS(c.WorkDir), c.Path)
	if err != nil {
		return Result{}, err
	}
	if err := c.Lease.Acquire(ctx); err != nil {
		return Result{}, err
	}
	kctx, stop := context.WithCancel(ctx)
	defer stop()
	go c.Lease.Keep(kctx)
	c.Log.Info("lease taken", "lease", c.Lease.Name, "fencingToken", c.Lease.Token(), "files", len(files))
	r := &Runner{DB: c.DB, Fence: c.Lease, Run: c.Run, Log: c.Log, LintPolicy: c.LintPolicy,
		BeforeStatement: c.BeforeStatement,
		AfterStatement:  c.AfterStatement}
	res, err := r.Apply(ctx, files)
	stop()
	if errors.Is(err, ErrLockLost) {
		return res, err
	}
	if rerr := c.Lease.Release(context.WithoutCancel(ctx)); rerr != nil {
		return res, errors.Join(err, fmt.Errorf("release the lock: %w", rerr))
	}
	return res, err
}
