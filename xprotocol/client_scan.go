package xprotocol

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// ErrNoRows is returned by Row.Scan when the statement returned no row.
var ErrNoRows = errors.New("xprotocol: no rows in result set")

// Row is the first row of a statement run by QueryRow; its error, if any, surfaces in Scan.
type Row struct {
	cols []wire.ColumnMetaData
	vals []wire.Value
	err  error
}

// QueryRow runs a statement and keeps its first row (the rest is read and discarded). Arguments replace
// the statement's "?" placeholders (see wire.AnyOf for the Go types accepted).
func (s *Session) QueryRow(ctx context.Context, stmt string, args ...any) *Row {
	rows, err := s.Query(ctx, stmt, args...)
	if err != nil {
		return &Row{err: err}
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if rows.Err() != nil {
			return &Row{err: rows.Err()}
		}
		return &Row{err: ErrNoRows}
	}
	row := &Row{cols: append([]wire.ColumnMetaData(nil), rows.Columns()...)}
	for i := range row.cols {
		v, err := rows.Value(i)
		if err != nil {
			return &Row{err: err}
		}
		row.vals = append(row.vals, v.Clone())
	}
	if err := rows.Close(); err != nil {
		return &Row{err: err}
	}
	return row
}

// Err is the statement's error (ErrNoRows when it returned no row).
func (r *Row) Err() error { return r.err }

// Scan copies the row's columns into dest (see Rows.Scan).
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return scanValues(r.cols, r.vals, dest)
}

// Scan decodes the current row into dest, one pointer per column. Accepted: *string, *[]byte (a copy),
// *int64, *int, *int32, *uint64, *uint, *uint32, *float64, *float32, *bool (integers, or the text 0/1,
// ON/OFF), *time.Time (DATETIME, in UTC), *time.Duration (TIME), *wire.Value (a copy), *any (nil, int64,
// uint64, float64, string, time.Duration, wire.DateTime or []string), and a pointer to any of those
// pointers (**string...), which NULL sets to nil. NULL into any other destination wraps wire.ErrNull.
func (r *Rows) Scan(dest ...any) error {
	vals := make([]wire.Value, len(r.cols))
	for i := range vals {
		v, err := r.Value(i)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	return scanValues(r.cols, vals, dest)
}

func scanValues(cols []wire.ColumnMetaData, vals []wire.Value, dest []any) error {
	if len(dest) != len(vals) {
		return fmt.Errorf("xprotocol: Scan got %d destinations for %d columns", len(dest), len(vals))
	}
	for i, d := range dest {
		if err := scanValue(vals[i], d); err != nil {
			return fmt.Errorf("scan column %q: %w", cols[i].Name, err)
		}
	}
	return nil
}

func scanValue(v wire.Value, dest any) error {
	switch d := dest.(type) {
	case *wire.Value:
		*d = v.Clone()
		return nil
	case *any:
		*d = natural(v)
		return nil
	}
	if rv := reflect.ValueOf(dest); rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Pointer {
		return scanNullable(v, rv.Elem())
	}
	if v.IsNull() {
		return fmt.Errorf("%w into %T", wire.ErrNull, dest)
	}
	return scanScalar(v, dest)
}

// scanNullable handles **T: NULL sets the inner pointer to nil, anything else scans into a new T.
func scanNullable(v wire.Value, ptr reflect.Value) error {
	if v.IsNull() {
		ptr.Set(reflect.Zero(ptr.Type()))
		return nil
	}
	elem := reflect.New(ptr.Type().Elem())
	if err := scanScalar(v, elem.Interface()); err != nil {
		return err
	}
	ptr.Set(elem)
	return nil
}

func scanScalar(v wire.Value, dest any) error {
	switch d := dest.(type) {
	case *string:
		*d = v.String()
	case *[]byte:
		*d = []byte(v.String())
	case *bool:
		return scanBool(v, d)
	case *time.Time:
		return scanTime(v, d)
	case *time.Duration:
		if v.Kind != wire.KindTime {
			return fmt.Errorf("%w: %s into *time.Duration", wire.ErrType, v.Kind)
		}
		*d = v.Duration
	case *float64, *float32:
		return scanFloat(v, d)
	default:
		return scanInteger(v, dest)
	}
	return nil
}

func scanInteger(v wire.Value, dest any) error {
	switch d := dest.(type) {
	case *int64:
		return setInt(v, 64, func(i int64) { *d = i })
	case *int:
		return setInt(v, strconv.IntSize, func(i int64) { *d = int(i) })
	case *int32:
		return setInt(v, 32, func(i int64) { *d = int32(i) })
	case *uint64:
		return setUint(v, 64, func(u uint64) { *d = u })
	case *uint:
		return setUint(v, strconv.IntSize, func(u uint64) { *d = uint(u) })
	case *uint32:
		return setUint(v, 32, func(u uint64) { *d = uint32(u) })
	}
	return fmt.Errorf("%w: cannot scan into %T", wire.ErrType, dest)
}

func setInt(v wire.Value, bits int, set func(int64)) error {
	i, err := v.AsInt64()
	if errors.Is(err, wire.ErrType) && isText(v) {
		i, err = strconv.ParseInt(string(v.Bytes), 10, bits)
	}
	if err != nil {
		return err
	}
	if bits < 64 && (i < -(1<<(bits-1)) || i > 1<<(bits-1)-1) {
		return fmt.Errorf("%w: %d overflows int%d", wire.ErrType, i, bits)
	}
	set(i)
	return nil
}

func setUint(v wire.Value, bits int, set func(uint64)) error {
	var u uint64
	var err error
	switch {
	case v.Kind == wire.KindUint || v.Kind == wire.KindBit:
		u = v.Uint
	case v.Kind == wire.KindInt && v.Int >= 0:
		u = uint64(v.Int)
	case isText(v):
		u, err = strconv.ParseUint(string(v.Bytes), 10, bits)
	default:
		err = fmt.Errorf("%w: %s %s into an unsigned integer", wire.ErrType, v.Kind, v.String())
	}
	if err != nil {
		return err
	}
	if bits < 64 && u > 1<<bits-1 {
		return fmt.Errorf("%w: %d overflows uint%d", wire.ErrType, u, bits)
	}
	set(u)
	return nil
}

func scanFloat(v wire.Value, dest any) error {
	var f float64
	var err error
	switch v.Kind {
	case wire.KindDouble, wire.KindFloat:
		f = v.Float
	case wire.KindInt:
		f = float64(v.Int)
	case wire.KindUint:
		f = float64(v.Uint)
	default:
		f, err = strconv.ParseFloat(v.String(), 64)
	}
	if err != nil {
		return fmt.Errorf("%w: %s into a float: %w", wire.ErrType, v.Kind, err)
	}
	if d, ok := dest.(*float32); ok {
		*d = float32(f)
	} else {
		*dest.(*float64) = f
	}
	return nil
}

func scanBool(v wire.Value, d *bool) error {
	if i, err := v.AsInt64(); err == nil {
		*d = i != 0
		return nil
	}
	switch v.String() {
	case "1", "ON", "on", "TRUE", "true":
		*d = true
	case "0", "OFF", "off", "FALSE", "false":
		*d = false
	default:
		return fmt.Errorf("%w: %s %q into *bool", wire.ErrType, v.Kind, v.String())
	}
	return nil
}

func scanTime(v wire.Value, d *time.Time) error {
	if v.Kind != wire.KindDateTime {
		return fmt.Errorf("%w: %s into *time.Time", wire.ErrType, v.Kind)
	}
	*d = v.DateTime.Time(time.UTC)
	return nil
}

func isText(v wire.Value) bool {
	return v.Kind == wire.KindBytes || v.Kind == wire.KindDecimal || v.Kind == wire.KindEnum
}

// natural is the plain Go form of a value for *any.
func natural(v wire.Value) any {
	switch v.Kind {
	case wire.KindNull:
		return nil
	case wire.KindInt:
		return v.Int
	case wire.KindUint, wire.KindBit:
		return v.Uint
	case wire.KindDouble, wire.KindFloat:
		return v.Float
	case wire.KindTime:
		return v.Duration
	case wire.KindDateTime:
		return v.DateTime
	case wire.KindSet:
		out := make([]string, len(v.Set))
		for i, m := range v.Set {
			out[i] = string(m)
		}
		return out
	}
	return v.String()
}
