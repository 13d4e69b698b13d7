package mysqlsim

import (
	"context"
	"errors"
	"testing"
)

// Reading a Performance Schema or mysql table needs SELECT at the global, database or table level, except
// the variable and status tables; without it the error comes before any "no such table" (MySQL 8.4 manual
// 29.11 "Performance Schema General Table Characteristics").
func TestSelectOnTablesNeedsThePrivilege(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	tc.exec(m, "CREATE USER 'mon'@'%' IDENTIFIED BY 'pw'")
	s, err := m.NewSession("mon", "10.0.0.5")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	query := func(q string) error {
		_, err := m.Exec(context.Background(), s, q)
		return err
	}
	denied := func(q string) {
		t.Helper()
		var se *Error
		if err := query(q); !errors.As(err, &se) || se.Code != 1142 {
			t.Errorf("%q without the privilege: %v, want 1142", q, err)
		}
	}
	denied("SELECT MEMBER_ID FROM performance_schema.replication_group_members")
	denied("SELECT User FROM mysql.user")
	denied("SELECT STATE FROM performance_schema.no_such_table")
	if err := query("SELECT VARIABLE_VALUE FROM performance_schema.global_variables WHERE VARIABLE_NAME = " +
		"'version'"); err != nil {
		t.Errorf("global_variables is readable by every account: %v", err)
	}
	tc.exec(m, "GRANT SELECT ON performance_schema.replication_group_members TO 'mon'@'%'")
	if err := query("SELECT MEMBER_ID FROM performance_schema.replication_group_members"); err != nil {
		t.Errorf("with a table-level grant: %v", err)
	}
	denied("SELECT VIEW_ID FROM performance_schema.replication_group_member_stats")
	tc.exec(m, "GRANT SELECT ON performance_schema.* TO 'mon'@'%'")
	if err := query("SELECT VIEW_ID FROM performance_schema.replication_group_member_stats"); err != nil {
		t.Errorf("with a database-level grant: %v", err)
	}
}
