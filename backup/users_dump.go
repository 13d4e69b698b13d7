package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// skippedUsers are the server's own accounts and Orca's: a restore must not change how the cluster logs in.
var skippedUsers = []string{"", "root", "mysql.sys", "mysql.session", "mysql.infoschema", "mariadb.sys",
	"orca_admin", "orca_repl", "orca_router"}

// readUsers returns CREATE USER IF NOT EXISTS and GRANT statements for the accounts that are not skipped.
func readUsers(ctx context.Context, c querier) ([]string, error) {
	rows, err := c.QueryContext(ctx, "SELECT User, Host FROM mysql.user ORDER BY User, Host")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	accounts, err := scanMaps(rows)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []string
	for _, a := range accounts {
		if skipUser(a["User"]) {
			continue
		}
		stmts, err := userStatements(ctx, c, a["User"], a["Host"])
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	return out, nil
}

func skipUser(u string) bool {
	return slices.Contains(skippedUsers, u) || strings.HasPrefix(u, "mysql_innodb_cluster_")
}

func userStatements(ctx context.Context, c querier, user, host string) ([]string, error) {
	account := quoteString(user) + "@" + quoteString(host)
	create, err := queryStrings(ctx, c, "SHOW CREATE USER "+account)
	if err != nil || len(create) != 1 {
		return nil, fmt.Errorf("show create user %s: %w", account, err)
	}
	stmt, ok := strings.CutPrefix(create[0], "CREATE USER ")
	if !ok {
		return nil, fmt.Errorf("show create user %s: unexpected %q", account, firstWords(create[0]))
	}
	grants, err := queryStrings(ctx, c, "SHOW GRANTS FOR "+account)
	if err != nil {
		return nil, fmt.Errorf("show grants for %s: %w", account, err)
	}
	out := []string{"CREATE USER IF NOT EXISTS " + stmt}
	for _, g := range grants {
		// The account already exists with its password: a GRANT repeating IDENTIFIED BY is not needed.
		if strings.HasPrefix(g, "GRANT ") {
			out = append(out, g)
		}
	}
	return out, nil
}

func quoteString(s string) string {
	return string(appendQuoted(nil, []byte(s)))
}
