package backup

import (
	"strings"
)

// tableKeys is how a table is created for loading: without its plain secondary keys, which are added after its
// rows (one sorted index build instead of a random B-tree insert per row, as myloader's --innodb-optimize-keys).
type tableKeys struct {
	// create is the CREATE TABLE to run before the data.
	create string
	// deferred holds the definitions ("KEY `k` (`c`)") to add after the data, in the source's order; none when
	// the table is created whole.
	deferred []string
}

// planKeys decides a table's tableKeys from its SHOW CREATE TABLE text. It defers only when the result is
// certain to be the source's table: every non-unique key is a plain KEY (no FULLTEXT or SPATIAL, whose builds and
// order differ), none starts with the AUTO_INCREMENT column (which must be indexed when the table is created), the
// table has no foreign key and none refers to it (a constraint needs its index), and the text has the shape SHOW
// CREATE TABLE prints. Plain keys sort after the primary and unique ones, so adding them back in their order
// gives the same definition.
func planKeys(create string, referenced bool) tableKeys {
	whole := tableKeys{create: create}
	head, rest, ok := strings.Cut(create, " (\n")
	if !ok || referenced || !strings.HasPrefix(head, "CREATE TABLE ") {
		return whole
	}
	body, tail, ok := strings.Cut(rest, "\n)")
	if !ok {
		return whole
	}
	lines := strings.Split(body, ",\n")
	var kept, deferred []string
	for _, l := range lines {
		def := strings.TrimPrefix(l, "  ")
		switch {
		case len(def) == len(l) || strings.Contains(def, "\n"):
			return whole
		case strings.HasPrefix(def, "KEY "):
			if startsWithAutoIncrement(def, lines) {
				return whole
			}
			deferred = append(deferred, def)
		case strings.HasPrefix(def, "FULLTEXT ") || strings.HasPrefix(def, "SPATIAL ") ||
			strings.Contains(def, "FOREIGN KEY "):
			return whole
		default:
			kept = append(kept, l)
		}
	}
	if len(deferred) == 0 || len(kept) == 0 {
		return whole
	}
	return tableKeys{create: head + " (\n" + strings.Join(kept, ",\n") + "\n)" + tail, deferred: deferred}
}

// startsWithAutoIncrement reports whether key's first column is the table's AUTO_INCREMENT column.
func startsWithAutoIncrement(key string, lines []string) bool {
	_, cols, ok := strings.Cut(key, " (")
	if !ok {
		return true
	}
	first, _, ok := cutIdent(cols)
	if !ok {
		return false // an expression (functional key part), never the column itself
	}
	col := "  " + quoteIdent(first) + " "
	for _, l := range lines {
		if strings.HasPrefix(l, col) && strings.Contains(l, " AUTO_INCREMENT") {
			return true
		}
	}
	return false
}

// keyName is a KEY definition's name.
func keyName(def string) string {
	name, _, _ := cutIdent(strings.TrimPrefix(def, "KEY "))
	return name
}

// cutIdent reads a backquoted identifier at the start of s.
func cutIdent(s string) (ident, rest string, ok bool) {
	if !strings.HasPrefix(s, "`") {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '`' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		return b.String(), s[i+1:], true
	}
	return "", s, false
}

// referencedTables names every table a foreign key of the backup refers to (by table name, whatever the
// database: a false match only costs the deferral).
func referencedTables(m *Manifest) map[string]bool {
	out := map[string]bool{}
	for _, t := range m.Tables {
		for _, part := range strings.Split(t.CreateSQL, " REFERENCES ")[1:] {
			name, rest, ok := cutIdent(part)
			for ok && strings.HasPrefix(rest, ".") {
				name, rest, ok = cutIdent(rest[1:])
			}
			out[name] = true
		}
	}
	return out
}

// missingKeys is the ALTER TABLE clause adding the deferred keys the table does not have yet ("" when it has
// them all: a run killed after the build and before its record).
func missingKeys(deferred []string, existing map[string]bool) string {
	var add []string
	for _, d := range deferred {
		if !existing[keyName(d)] {
			add = append(add, "ADD "+d)
		}
	}
	return strings.Join(add, ", ")
}
