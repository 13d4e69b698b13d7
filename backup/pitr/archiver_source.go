package pitr

import (
	"context"
	"errors"
	"fmt"

	"github.com/orca-operator/orca/binlog"
)

func (a *Archiver) binlogConfig(addr string) binlog.Config {
	return binlog.Config{Addr: addr, User: a.cfg.User, Password: a.cfg.Password, Dialer: a.cfg.Dialer, TLS: a.cfg.TLS,
		ServerID: a.cfg.ServerID, Heartbeat: a.cfg.Heartbeat}
}

// pickSource probes every source and returns the first writable one (the primary), else the first that
// answered.
func (a *Archiver) pickSource(ctx context.Context) (string, binlog.Source, error) {
	var errs []error
	var fallback string
	var fallbackSrc binlog.Source
	for _, addr := range a.cfg.Sources {
		src, err := binlog.Probe(ctx, a.binlogConfig(addr))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !src.ReadOnly {
			return addr, src, nil
		}
		if fallback == "" {
			fallback, fallbackSrc = addr, src
		}
	}
	if fallback != "" {
		return fallback, fallbackSrc, nil
	}
	return "", binlog.Source{}, fmt.Errorf("no source answers: %w", errors.Join(errs...))
}

// startSet is where the dump begins: after everything archived and buffered.
func (a *Archiver) startSet(src binlog.Source) (binlog.Set, error) {
	if a.state.MariaDB != src.MariaDB && a.started {
		return binlog.Set{}, fmt.Errorf("the archive holds %s GTIDs, the source runs %s", flavor(a.state.MariaDB),
			src.Version)
	}
	if a.started {
		return a.state, nil
	}
	set, err := binlog.ParseSet(a.cfg.StartFrom, src.MariaDB)
	if err != nil {
		return binlog.Set{}, fmt.Errorf("start point %q: %w", a.cfg.StartFrom, err)
	}
	a.archived, a.state, a.started = set, set.Clone(), true
	return set, nil
}

func flavor(mariadb bool) string {
	if mariadb {
		return flavorMariaDB
	}
	return flavorMySQL
}

// purged decides, after the source refused the start point, whether the events are gone from it for good: it
// is ahead of the archive (it has every GTID the archive has), so what lies between was purged before it was
// archived. A source behind the archive (a lagging member) is only waited for.
func purged(err error, src binlog.Source, state binlog.Set) bool {
	var se *binlog.ServerError
	return errors.As(err, &se) && se.Code == binlog.ErrCodeSourceFatalReadingBinlog && src.Executed.Includes(state)
}
