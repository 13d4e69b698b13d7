package migrate

import (
	"regexp"
	"strings"
)

// Lint rules, as the run's status names them.
const (
	RuleDestructive       = "Destructive"
	RuleTableRewrite      = "TableRewrite"
	RuleGRIncompatible    = "GRIncompatible"
	RuleMissingPrimaryKey = "MissingPrimaryKey"
)

// Finding severities: an error blocks the run under lintPolicy block.
const (
	SeverityWarning = "warning"
	SeverityError   = "error"
)

// Finding is one thing the lint found in a statement.
type Finding struct {
	File     string `json:"file"`
	Index    int    `json:"index"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

type lintRule struct {
	rule, severity, message string
	match                   func(stmt string) bool
}

func re(expr string) func(string) bool { return regexp.MustCompile(`(?is)` + expr).MatchString }

// lintRules read a statement's text (comments included; a comment naming DROP TABLE is flagged too, which errs
// on the side of a look). They are no parser: they name what a DBA would look at before a statement runs on a
// Group Replication primary.
var lintRules = []lintRule{
	{RuleDestructive, SeverityError, "drops or empties a table or schema: its data is gone",
		re(`^\s*(DROP\s+(TABLE|DATABASE|SCHEMA)\b|TRUNCATE\b)`)},
	{RuleDestructive, SeverityError, "drops a column: its data is gone",
		re(`^\s*ALTER\s+TABLE\b.*\bDROP\s+(COLUMN\s+)?` + "`?" + `\w+` + "`?" + `\s*(,|;|$)`)},
	{RuleDestructive, SeverityWarning, "changes every row: no WHERE clause",
		func(s string) bool { return re(`^\s*(DELETE|UPDATE)\b`)(s) && !re(`\bWHERE\b`)(s) }},
	{RuleTableRewrite, SeverityWarning, "may copy the whole table (MODIFY, CHANGE, CONVERT, ENGINE, primary " +
		"key, FORCE or ALGORITHM=COPY): long on a large table, and one large transaction for the group",
		re(`^\s*(ALTER\s+TABLE\b.*\b(MODIFY|CHANGE|CONVERT\s+TO|ENGINE\s*=|(ADD|DROP)\s+PRIMARY\s+KEY|FORCE|` +
			`ALGORITHM\s*=\s*COPY)\b|OPTIMIZE\s+TABLE\b)`)},
	{RuleGRIncompatible, SeverityError, "Group Replication replicates InnoDB tables only",
		re(`\bENGINE\s*=\s*(MyISAM|MEMORY|HEAP|ARCHIVE|CSV|BLACKHOLE|MERGE|FEDERATED|Aria)\b`)},
	{RuleGRIncompatible, SeverityError, "LOCK TABLES and GET_LOCK() are local to one member: they lock nothing " +
		"on the others", re(`^\s*LOCK\s+TABLES?\b|\bGET_LOCK\s*\(`)},
	{RuleMissingPrimaryKey, SeverityError, "creates a table without a primary key: Group Replication refuses " +
		"writes to it", missingPrimaryKey},
}

var createTable = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\b`)

// missingPrimaryKey reports a CREATE TABLE with a column list and no PRIMARY KEY (CREATE TEMPORARY TABLE and
// CREATE TABLE ... LIKE are not checked: the first is not replicated, the second copies its source's keys).
func missingPrimaryKey(s string) bool {
	if !createTable.MatchString(s) || re(`^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?\S+\s+\(?\s*LIKE\b`)(s) {
		return false
	}
	return strings.Contains(s, "(") && !re(`\bPRIMARY\s+KEY\b`)(s)
}

// Lint checks the statements of files that are not applied yet; applied says which are.
func Lint(files []File, applied func(version string, index int) bool) []Finding {
	var out []Finding
	for _, f := range files {
		for i, st := range f.Statements {
			if applied != nil && applied(f.Version, i) {
				continue
			}
			for _, r := range lintRules {
				if r.match(st.Text) {
					out = append(out, Finding{File: f.Name, Index: i, Rule: r.rule, Severity: r.severity,
						Message: r.message})
				}
			}
		}
	}
	return out
}

// blocking reports whether a finding is an error.
func blocking(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}
