package mysqlsim

import (
	"strings"
)

// tokKind classifies a token of the admin SQL subset.
type tokKind int

const (
	tEOF     tokKind = iota
	tIdent           // bare word or `quoted` identifier
	tString          // 'text' or "text"
	tNumber          // 123, 1.5
	tSysVar          // @@name, @@global.name, ...
	tUserVar         // @name
	tPunct           // = , ( ) . ; * : -
)

type token struct {
	kind   tokKind
	text   string // identifier text, unquoted string, number, punctuation or variable name
	quoted bool   // identifier was `quoted` (never a keyword)
	scope  string // for tSysVar: "", "global", "session", "local", "persist", "persist_only"
	pos    int    // byte offset in the statement
	line   int
}

// is reports whether the token is the bare keyword kw (case-insensitive).
func (t token) is(kw string) bool {
	return t.kind == tIdent && !t.quoted && strings.EqualFold(t.text, kw)
}

func (t token) isPunct(p string) bool { return t.kind == tPunct && t.text == p }

// lexer splits one statement into tokens. Comments are dropped; MySQL's executable comments
// (/*! ... */ and /*!80000 ... */) contribute their content, as on a real server.
type lexer struct {
	src  string
	i    int
	line int
	toks []token
	// noBackslash is the session's NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary byte.
	noBackslash bool
}

// tokenize splits src as the session's SQL mode says (noBackslash: NO_BACKSLASH_ESCAPES, manual 7.1.11).
func tokenize(src string, noBackslash bool) ([]token, *Error) {
	lx := &lexer{src: src, line: 1, noBackslash: noBackslash}
	for {
		if err := lx.skipSpace(); err != nil {
			return nil, err
		}
		if lx.i >= len(lx.src) {
			lx.toks = append(lx.toks, token{kind: tEOF, pos: len(lx.src), line: lx.line})
			return lx.toks, nil
		}
		if err := lx.next(); err != nil {
			return nil, err
		}
	}
}

func (lx *lexer) skipSpace() *Error {
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		switch {
		case c == '\n':
			lx.line++
			lx.i++
		case c == ' ' || c == '\t' || c == '\r':
			lx.i++
		case c == '#' || strings.HasPrefix(lx.src[lx.i:], "-- ") || lx.src[lx.i:] == "--":
			for lx.i < len(lx.src) && lx.src[lx.i] != '\n' {
				lx.i++
			}
		case strings.HasPrefix(lx.src[lx.i:], "/*!"):
			lx.i += 3
			for lx.i < len(lx.src) && lx.src[lx.i] >= '0' && lx.src[lx.i] <= '9' {
				lx.i++
			}
		case strings.HasPrefix(lx.src[lx.i:], "*/"):
			lx.i += 2 // end of an executable comment
		case strings.HasPrefix(lx.src[lx.i:], "/*"):
			end := strings.Index(lx.src[lx.i+2:], "*/")
			if end < 0 {
				return errParse(lx.src[lx.i:], lx.line)
			}
			lx.line += strings.Count(lx.src[lx.i:lx.i+2+end], "\n")
			lx.i += end + 4
		default:
			return nil
		}
	}
	return nil
}

func (lx *lexer) next() *Error {
	c := lx.src[lx.i]
	start := lx.i
	switch {
	case c == '\'' || c == '"':
		s, err := lx.quoted(c)
		if err != nil {
			return err
		}
		lx.emit(token{kind: tString, text: s, pos: start})
	case c == '`':
		s, err := lx.quoted('`')
		if err != nil {
			return err
		}
		lx.emit(token{kind: tIdent, text: s, quoted: true, pos: start})
	case c == '@' && strings.HasPrefix(lx.src[lx.i:], "@@"):
		lx.i += 2
		lx.sysVar(start)
	case c == '@':
		return lx.userVar(start)
	case isDigit(c):
		lx.number(start)
	case isWordChar(c):
		lx.emit(token{kind: tIdent, text: lx.word(), pos: start})
	case strings.HasPrefix(lx.src[lx.i:], ":="):
		lx.i += 2
		lx.emit(token{kind: tPunct, text: "=", pos: start})
	case hasTwoCharOp(lx.src[lx.i:]):
		lx.i += 2
		lx.emit(token{kind: tPunct, text: lx.src[start:lx.i], pos: start})
	default:
		lx.i++
		lx.emit(token{kind: tPunct, text: string(c), pos: start})
	}
	return nil
}

// userVar reads @name, or @'host' (quoted with ', " or `) as the punctuation "@" and a string, as in 'user'@'host'.
func (lx *lexer) userVar(start int) *Error {
	lx.i++
	name := lx.word()
	if name == "" && lx.i < len(lx.src) && (lx.src[lx.i] == '\'' || lx.src[lx.i] == '`' || lx.src[lx.i] == '"') {
		s, err := lx.quoted(lx.src[lx.i])
		if err != nil {
			return err
		}
		lx.emit(token{kind: tPunct, text: "@", pos: start})
		lx.emit(token{kind: tString, text: s, pos: start + 1})
		return nil
	}
	lx.emit(token{kind: tUserVar, text: name, pos: start})
	return nil
}

// hasTwoCharOp reports whether s starts with a comparison operator of two characters.
func hasTwoCharOp(s string) bool {
	for _, op := range []string{"<>", "!=", "<=", ">="} {
		if strings.HasPrefix(s, op) {
			return true
		}
	}
	return false
}

func (lx *lexer) emit(t token) {
	t.line = lx.line
	lx.toks = append(lx.toks, t)
}

func (lx *lexer) sysVar(start int) {
	name := lx.word()
	scope := ""
	if lx.i < len(lx.src) && lx.src[lx.i] == '.' {
		switch strings.ToLower(name) {
		case "global", "session", "local", "persist", "persist_only":
			scope = strings.ToLower(name)
			lx.i++
			name = lx.word()
		}
	}
	lx.emit(token{kind: tSysVar, text: strings.ToLower(name), scope: scope, pos: start})
}

func (lx *lexer) number(start int) {
	for lx.i < len(lx.src) && (isDigit(lx.src[lx.i]) || lx.src[lx.i] == '.') {
		lx.i++
	}
	if lx.i < len(lx.src) && isWordChar(lx.src[lx.i]) { // identifiers may start with digits
		lx.word()
		lx.emit(token{kind: tIdent, text: lx.src[start:lx.i], pos: start})
		return
	}
	lx.emit(token{kind: tNumber, text: lx.src[start:lx.i], pos: start})
}

func (lx *lexer) word() string {
	start := lx.i
	for lx.i < len(lx.src) && isWordChar(lx.src[lx.i]) {
		lx.i++
	}
	return lx.src[start:lx.i]
}

// quoted reads a quoted string or identifier, handling doubled quotes and (unless NO_BACKSLASH_ESCAPES)
// backslash escapes.
func (lx *lexer) quoted(q byte) (string, *Error) {
	start := lx.i
	lx.i++
	var b strings.Builder
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		switch {
		case c == q && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == q:
			b.WriteByte(q)
			lx.i += 2
		case c == q:
			lx.i++
			return b.String(), nil
		case c == '\\' && q != '`' && !lx.noBackslash && lx.i+1 < len(lx.src):
			b.WriteString(unescape(lx.src[lx.i+1]))
			lx.i += 2
		default:
			if c == '\n' {
				lx.line++
			}
			b.WriteByte(c)
			lx.i++
		}
	}
	return "", errParse(lx.src[start:], lx.line)
}

// unescape is what a backslash followed by c stands for in a string (manual 11.1.1 "String Literals", table
// "Special Character Escape Sequences"): \% and \_ keep their backslash, any other byte stands for itself.
func unescape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case '0':
		return "\x00"
	case 'b':
		return "\b"
	case 'Z':
		return "\x1a"
	case '%', '_':
		return "\\" + string(c)
	}
	return string(c)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordChar(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// splitStatements splits a multi-statement text on ';' outside quotes and comments; noBackslash is the
// session's NO_BACKSLASH_ESCAPES.
func splitStatements(src string, noBackslash bool) []string {
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			i, quote = inQuote(src, i, quote, noBackslash)
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == ';':
			out = append(out, src[start:i])
			start = i + 1
		default:
			i = skipComment(src, i)
		}
	}
	if strings.TrimSpace(src[start:]) != "" || len(out) == 0 {
		out = append(out, src[start:])
	}
	return out
}

// inQuote consumes src[i] inside a string quoted with quote. It returns the index of the last byte consumed (a
// backslash escape takes two) and the quote still open, 0 once this byte closed it.
func inQuote(src string, i int, quote byte, noBackslash bool) (int, byte) {
	switch {
	case src[i] == '\\' && quote != '`' && !noBackslash:
		return i + 1, quote
	case src[i] == quote:
		return i, 0
	}
	return i, quote
}

// skipComment returns the index of the byte that ends the comment starting at src[i] (the '/' of a block comment,
// the newline of a line comment), or i when none starts there.
// Executable comments (/*! ... */) are not skipped: their content is part of the statement.
func skipComment(src string, i int) int {
	c := src[i]
	switch {
	case c == '/' && i+1 < len(src) && src[i+1] == '*' && (i+2 >= len(src) || src[i+2] != '!'):
		if end := strings.Index(src[i+2:], "*/"); end >= 0 {
			return i + end + 3
		}
	case c == '#' || (c == '-' && strings.HasPrefix(src[i:], "-- ")):
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	return i
}
