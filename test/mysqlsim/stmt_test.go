package mysqlsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestPrepareCountsPlaceholdersLikeTheLexer(t *testing.T) {
	tc := newCluster(t, 1, dataDSN(t), nil)
	m := tc.members[0]
	s := tc.session(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for query, want := range map[string]int{
		"SELECT ? /* ? */ AS `?`, '?', \"?\" # ?\n": 1,
		"SELECT 1;":                        0,
		"SELECT ?, ? -- ?":                 2,
		"SET @a = ?, @b = ?":               2,
		"SELECT @@version WHERE 1 = ?":     1,
		"INSERT INTO t VALUES (?, '?\\'')": 1,
	} {
		ps, err := m.Prepare(ctx, s, query)
		if err != nil {
			var se *Error
			if errors.As(err, &se) && se.Code == 1146 { // the INSERT's table does not exist: MariaDB said so
				continue
			}
			t.Fatalf("prepare %q: %v", query, err)
		}
		if ps.NumParams() != want {
			t.Errorf("%q: %d placeholders, want %d", query, ps.NumParams(), want)
		}
		ps.Close()
	}
	for query, code := range map[string]uint16{"": 1065, " ; ": 1065, "SELECT 1; SELECT 2": 1064, "SELECT 'open": 1064} {
		_, err := m.Prepare(ctx, s, query)
		var se *Error
		if !errors.As(err, &se) || se.Code != code {
			t.Errorf("prepare %q: want error %d, got %v", query, code, err)
		}
	}
}

// Admin statements get their arguments as literals the simulator's lexer reads back to the same value.
func TestPreparedAdminArgumentsAsLiterals(t *testing.T) {
	tc := newCluster(t, 1, dataDSN(t), nil)
	m := tc.members[0]
	s := tc.session(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ps, err := m.Prepare(ctx, s, "SET @v = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	when := time.Date(2024, 5, 17, 10, 20, 30, 500000000, time.UTC)
	for _, c := range []struct {
		arg  any
		want string
	}{
		{int64(-5), "-5"},
		{2.5, "2.5"},
		{"it's a \\ test", "it's a \\ test"},
		{[]byte("x\x00y"), "x\x00y"},
		{when, "2024-05-17 10:20:30.5"},
		{-(90*time.Minute + 1500*time.Microsecond), "-01:30:00.001500"},
	} {
		if _, err := m.ExecPrepared(ctx, ps, []any{c.arg}); err != nil {
			t.Fatalf("SET @v = %#v: %v", c.arg, err)
		}
		if got := fmt.Sprint(tc.execIn(s, "SELECT @v")[0].Rows[0][0]); got != c.want {
			t.Errorf("SET @v = %#v: @v is %q, want %q", c.arg, got, c.want)
		}
	}
	if _, err := m.ExecPrepared(ctx, ps, nil); err == nil {
		t.Fatal("a missing argument must fail")
	}
	// Numbers the user variable would round through float64: the literal itself is exact, without exponent.
	for arg, want := range map[any]string{uint64(math.MaxUint64): "SET @v = 18446744073709551615",
		1e21: "SET @v = 1000000000000000000000", float32(0.1): "SET @v = 0.1", nil: "SET @v = NULL"} {
		if got := ps.bind([]any{arg}); got != want {
			t.Errorf("bind %#v: %q, want %q", arg, got, want)
		}
	}
}
