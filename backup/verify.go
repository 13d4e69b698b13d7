package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// ErrVerifyFailed is returned when a restored table differs from the snapshot the manifest recorded.
var ErrVerifyFailed = errors.New("verification failed")

// TableCheck is one table's verification: rows and digest found in the restored copy against the manifest.
type TableCheck struct {
	Database, Name   string
	Rows, WantRows   int64
	Digest, WantDig  uint64
	ColumnsDifferent bool
}

// OK is true when the table holds exactly the snapshot's rows.
func (c TableCheck) OK() bool {
	return !c.ColumnsDifferent && c.Rows == c.WantRows && c.Digest == c.WantDig
}

// Verify reads every table of the manifest back from target (a server the backup was restored into), encodes
// each row as the dump did and compares the row count and the order-independent digest with the manifest's.
// It returns every table's check, and ErrVerifyFailed naming the tables that differ. Values are compared as
// the server prints them: verify on a server of the same version as the source.
func Verify(ctx context.Context, target Server, m *Manifest) ([]TableCheck, error) {
	db, err := target.open(1)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", target.Addr, err)
	}
	defer func() { _ = c.Close() }()
	if err := execAll(ctx, c, dumpSession...); err != nil {
		return nil, err
	}
	var checks []TableCheck
	var bad []string
	for i := range m.Tables {
		chk, err := verifyTable(ctx, c, &m.Tables[i])
		if err != nil {
			return checks, err
		}
		checks = append(checks, chk)
		if !chk.OK() {
			bad = append(bad, fmt.Sprintf("%s.%s (%d rows, want %d; digest %016x, want %016x)", chk.Database,
				chk.Name, chk.Rows, chk.WantRows, chk.Digest, chk.WantDig))
		}
	}
	bad = append(bad, verifySequences(ctx, c, m)...)
	if len(bad) > 0 {
		return checks, fmt.Errorf("%w: %s", ErrVerifyFailed, strings.Join(bad, "; "))
	}
	return checks, nil
}

func verifyTable(ctx context.Context, c *sql.Conn, t *Table) (TableCheck, error) {
	chk := TableCheck{Database: t.Database, Name: t.Name, WantRows: t.Rows, WantDig: t.Digest()}
	info, err := readTable(ctx, c, t.Database, t.Name)
	if err != nil {
		return chk, err
	}
	if !slices.Equal(info.Columns, t.Columns) {
		chk.ColumnsDifferent = true
		return chk, nil
	}
	cols := t.Columns
	rows, err := c.QueryContext(ctx, "SELECT "+info.selectList()+" FROM "+quoteIdent(t.Database)+"."+
		quoteIdent(t.Name))
	if err != nil {
		return chk, fmt.Errorf("read %s.%s: %w", t.Database, t.Name, err)
	}
	defer func() { _ = rows.Close() }()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	bvals := make([][]byte, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var row []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return chk, fmt.Errorf("read %s.%s: %w", t.Database, t.Name, err)
		}
		for i, v := range vals {
			bvals[i] = v
		}
		row = appendRow(row[:0], bvals, info.kinds)
		chk.Rows++
		chk.Digest += xxhash.Sum64(row)
	}
	if err := rows.Err(); err != nil {
		return chk, fmt.Errorf("read %s.%s: %w", t.Database, t.Name, err)
	}
	return chk, nil
}
