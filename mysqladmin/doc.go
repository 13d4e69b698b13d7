// Package mysqladmin is the one thin layer of MySQL 8.4 administration SQL: Group Replication start, stop,
// bootstrap and force-members, clone, primary election, accounts and status. Every statement Orca sends to
// a member to manage it is in this package, so it can be audited in one place; each method's comment names
// the SQL it runs. Passwords are never put in errors or log lines.
//
// Values (user names, passwords, hosts, seed lists, server UUIDs, timeouts) are never spliced into a statement:
// they are X Protocol placeholder arguments. The X Plugin substitutes each one textually as a quoted literal
// (plugin/x/src/query_formatter.cc), so a placeholder works wherever MySQL's grammar takes a literal, CREATE
// USER, ALTER USER, GRANT ... TO and START GROUP_REPLICATION USER = included, unlike a classic prepared
// statement. It is never an identifier: privilege lists, grant levels and variable names stay in the text,
// and they are constants. The plugin escapes with backslashes whatever the SQL mode, so every admin session
// first drops NO_BACKSLASH_ESCAPES from its own sql_mode (Open).
package mysqladmin
