package migrate

import (
	"strings"
	"unicode"
)

// implicitCommitVerbs are the statements that commit the open transaction before they run (and after): they
// cannot be committed together with their history row.
var implicitCommitVerbs = map[string]bool{
	"CREATE": true, "ALTER": true, "DROP": true, "RENAME": true, "TRUNCATE": true, "GRANT": true, "REVOKE": true,
	"ANALYZE": true, "OPTIMIZE": true, "REPAIR": true, "LOCK": true, "UNLOCK": true, "INSTALL": true,
	"UNINSTALL": true, "FLUSH": true, "RESET": true, "BEGIN": true, "START": true, "COMMIT": true,
	"ROLLBACK": true, "LOAD": true, "CACHE": true,
}

// commitsImplicitly reports whether the statement commits implicitly (DDL and the like). Its first word
// decides, after comments; an executable comment /*! ... */ is read as its content.
func commitsImplicitly(text string) bool {
	return implicitCommitVerbs[firstWord(text)]
}

func firstWord(text string) string {
	t := strings.TrimSpace(text)
	for {
		switch {
		case strings.HasPrefix(t, "/*!"):
			t = strings.TrimLeft(t[3:], "0123456789")
		case strings.HasPrefix(t, "/*"):
			end := strings.Index(t, "*/")
			if end < 0 {
				return ""
			}
			t = t[end+2:]
		case strings.HasPrefix(t, "("):
			t = t[1:]
		default:
			end := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
			if end < 0 {
				end = len(t)
			}
			return strings.ToUpper(t[:end])
		}
		t = strings.TrimSpace(t)
		if t == "" {
			return ""
		}
	}
}

// alreadyApplied are the errors a DDL gives when run again after it was applied: table, column, key, database,
// routine, trigger or foreign key exists (or, for a DROP, is gone).
var alreadyApplied = map[uint16]bool{
	1007: true, // ER_DB_CREATE_EXISTS
	1008: true, // ER_DB_DROP_EXISTS
	1050: true, // ER_TABLE_EXISTS_ERROR
	1051: true, // ER_BAD_TABLE_ERROR
	1060: true, // ER_DUP_FIELDNAME
	1061: true, // ER_DUP_KEYNAME
	1091: true, // ER_CANT_DROP_FIELD_OR_KEY
	1304: true, // ER_SP_ALREADY_EXISTS
	1305: true, // ER_SP_DOES_NOT_EXIST
	1359: true, // ER_TRG_ALREADY_EXISTS
	1360: true, // ER_TRG_DOES_NOT_EXIST
	1826: true, // ER_FK_DUP_NAME
}
