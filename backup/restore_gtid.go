package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrGTIDConflict is returned when a restore asked to record the backup's GTID set cannot: the target already
// executed part of it, or the backup comes from the other server family.
var ErrGTIDConflict = errors.New("cannot record the backup's GTID set on the target")

// gtidStep is what a restore does with the backup's GTID set once the data is in.
type gtidStep int

const (
	// gtidNothing: no set recorded, or the target holds it already (a resumed run that had recorded it).
	gtidNothing gtidStep = iota
	// gtidAppendPurged: MySQL's SET GLOBAL gtid_purged = '+set'.
	gtidAppendPurged
	// gtidSlavePos: MariaDB's SET GLOBAL gtid_slave_pos = 'set'.
	gtidSlavePos
)

// gtidState is what the target says about the backup's set (MySQL only).
type gtidState struct {
	// executed: the whole set is in the target's gtid_executed; overlaps: some of it is.
	executed, overlaps bool
}

// planGTIDs decides how the backup's GTID set is recorded on the target so that replication from the source
// and a binary log replay after the backup skip the transactions the dump holds. MySQL (8.4 manual, 19.1.6.5
// "Global Transaction ID System Variables", gtid_purged): the '+' form adds the set to gtid_executed and
// gtid_purged and is refused when it overlaps gtid_executed, so a target that executed only part of the set is
// refused before any data is loaded (its history is not the source's). MariaDB: gtid_slave_pos is where
// replication with MASTER_USE_GTID=slave_pos starts. The families' sets do not mix.
func planGTIDs(source, target flavor, set string, st gtidState) (gtidStep, error) {
	switch {
	case set == "":
		return gtidNothing, nil
	case source != target:
		return gtidNothing, fmt.Errorf("%w: the backup's set %q is of the other server family", ErrGTIDConflict, set)
	case target == flavorMariaDB:
		return gtidSlavePos, nil
	case st.executed:
		return gtidNothing, nil
	case st.overlaps:
		return gtidNothing, fmt.Errorf("%w: the target already executed part of %q", ErrGTIDConflict, set)
	}
	return gtidAppendPurged, nil
}

const mysqlGTIDElem = `[0-9a-fA-F-]{36}(:([a-zA-Z_][a-zA-Z0-9_]{0,31}|[0-9]+(-[0-9]+)?))+`

var (
	// uuid:1-5:7 and 8.4's tagged uuid:tag:1-5, comma-separated.
	mysqlGTIDSetRE   = regexp.MustCompile(`^` + mysqlGTIDElem + `(,` + mysqlGTIDElem + `)*$`)
	mariaDBGTIDSetRE = regexp.MustCompile(`^[0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*$`)
)

// gtidLiteral quotes a manifest's GTID set for SQL after checking it has the form its family prints (a
// manifest is untrusted input).
func gtidLiteral(f flavor, set string) (string, error) {
	re := mysqlGTIDSetRE
	if f == flavorMariaDB {
		re = mariaDBGTIDSetRE
	}
	if !re.MatchString(set) {
		return "", fmt.Errorf("%w: GTID set %q", ErrCorrupt, set)
	}
	return "'" + set + "'", nil
}

// sourceFlavor is the family of the server a backup was taken from.
func sourceFlavor(m *Manifest) flavor {
	if strings.Contains(strings.ToLower(m.Server), "mariadb") {
		return flavorMariaDB
	}
	return flavorMySQL
}

// gtidPlan reads the target's state and plans; run before the data and again at the end.
func gtidPlan(ctx context.Context, c *sql.Conn, m *Manifest) (gtidStep, string, error) {
	set := m.Position.GTIDSet
	if set == "" {
		return gtidNothing, "", nil
	}
	_, target, err := serverVersion(ctx, c)
	if err != nil {
		return gtidNothing, "", err
	}
	lit, err := gtidLiteral(sourceFlavor(m), set)
	if err != nil {
		return gtidNothing, "", err
	}
	var st gtidState
	if target == flavorMySQL && sourceFlavor(m) == flavorMySQL {
		if st, err = mysqlGTIDState(ctx, c, lit); err != nil {
			return gtidNothing, "", fmt.Errorf("compare the backup's GTID set with the target's: %w", err)
		}
	}
	step, err := planGTIDs(sourceFlavor(m), target, set, st)
	return step, lit, err
}

// mysqlGTIDState asks a MySQL target which part of the set it executed: rest is the set minus gtid_executed,
// and the set overlaps gtid_executed unless it is all in rest.
func mysqlGTIDState(ctx context.Context, c *sql.Conn, lit string) (gtidState, error) {
	var rest string
	if err := c.QueryRowContext(ctx, "SELECT GTID_SUBTRACT("+lit+", @@GLOBAL.gtid_executed)").Scan(&rest); err != nil {
		return gtidState{}, err
	}
	rest = strings.ReplaceAll(rest, "\n", "")
	if rest == "" {
		return gtidState{executed: true}, nil
	}
	restLit, err := gtidLiteral(flavorMySQL, rest)
	if err != nil {
		return gtidState{}, err
	}
	var disjoint bool
	if err := c.QueryRowContext(ctx, "SELECT GTID_SUBSET("+lit+", "+restLit+")").Scan(&disjoint); err != nil {
		return gtidState{}, err
	}
	return gtidState{overlaps: !disjoint}, nil
}

// recordGTIDs applies the plan's step.
func recordGTIDs(ctx context.Context, c *sql.Conn, step gtidStep, lit string) error {
	var stmt string
	switch step {
	case gtidNothing:
		return nil
	case gtidAppendPurged:
		stmt = "SET GLOBAL gtid_purged = '+" + strings.Trim(lit, "'") + "'"
	case gtidSlavePos:
		stmt = "SET GLOBAL gtid_slave_pos = " + lit
	}
	if _, err := c.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("record the backup's GTID set: %w", err)
	}
	return nil
}
