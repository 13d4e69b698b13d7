// Package mysqladmin is the one thin layer of MySQL 8.4 administration SQL: Group Replication start, stop,
// bootstrap and force-members, clone, primary election, accounts and status. Every statement Orca sends to
// a member to manage it is in this package, so it can be audited in one place; each method's comment names
// the SQL it runs. Passwords are never put in errors or log lines.
package mysqladmin
