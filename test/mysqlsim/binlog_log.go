package mysqlsim

import (
	"sort"
	"time"
)

// gtidKey names one transaction.
type gtidKey struct {
	uuid string
	n    int64
}

// binlogTx is one transaction as the binary log records it. The simulator keeps no row images: a transaction's
// body is its statements' text, as binlog_format=STATEMENT would log them (the events a reader sees are
// QUERY events where MySQL 8.4's default ROW format has TABLE_MAP and ROWS events).
type binlogTx struct {
	at time.Time
	db string
	// ddl marks a statement that commits on its own: logged without BEGIN and XID.
	ddl   bool
	stmts []string
}

// logBinlog records a committed transaction's body. Every member logs the same (log_replica_updates is ON by
// default in 8.4), so one record per GTID serves them all.
func (g *Group) logBinlog(uuid string, n int64, body binlogTx) {
	body.at = g.clock.Now()
	g.binlog[gtidKey{uuid, n}] = body
}

// binlogBody is a GTID's body; a transaction the simulator has none for (its GTID came with a clone, or from
// SET gtid_next and an empty commit) is an empty one, BEGIN and COMMIT as MySQL logs it.
func (g *Group) binlogBody(k gtidKey) binlogTx {
	if b, ok := g.binlog[k]; ok {
		return b
	}
	return binlogTx{at: g.clock.Now(), stmts: nil}
}

func (s *Session) dmlBody() binlogTx {
	return binlogTx{db: s.db, stmts: append([]string(nil), s.txStmts...)}
}

func (s *Session) ddlBody(stmt string) binlogTx {
	return binlogTx{db: s.db, ddl: true, stmts: []string{stmt}}
}

// accountLogText stands for an account statement in the binary log; MySQL logs it rewritten (password hashes,
// never the text typed), the simulator only names it so no password reaches a log.
func accountLogText(first token) string {
	return first.text + " /* account statement: the simulator logs no account details */"
}

// keys lists the set's transactions in GTID order: UUIDs sorted, then numbers ascending.
func (s GTIDSet) keys() []gtidKey {
	uuids := make([]string, 0, len(s.m))
	for u := range s.m {
		uuids = append(uuids, u)
	}
	sort.Strings(uuids)
	var out []gtidKey
	for _, u := range uuids {
		for _, iv := range s.m[u] {
			for n := iv.Start; n <= iv.End; n++ {
				out = append(out, gtidKey{u, n})
			}
		}
	}
	return out
}
