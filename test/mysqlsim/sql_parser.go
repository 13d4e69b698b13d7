package mysqlsim

import (
	"strings"
)

// parser is a cursor over one statement's tokens with MySQL-style syntax errors.
type parser struct {
	src  string
	toks []token
	i    int
}

// newParser lexes one statement; noBackslash is the session's NO_BACKSLASH_ESCAPES.
func newParser(src string, noBackslash bool) (*parser, *Error) {
	toks, err := tokenize(src, noBackslash)
	if err != nil {
		return nil, err
	}
	return &parser{src: src, toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// accept consumes the keyword if it is next.
func (p *parser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptPunct(s string) bool {
	if p.peek().isPunct(s) {
		p.i++
		return true
	}
	return false
}

// acceptSeq consumes all keywords if they come next in order.
func (p *parser) acceptSeq(kws ...string) bool {
	for n, kw := range kws {
		if !p.peekAt(n).is(kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

// errHere is the 1064 error a real server reports at the current token.
func (p *parser) errHere() *Error {
	t := p.peek()
	return errParse(strings.TrimRight(p.src[t.pos:], " \t\r\n;"), t.line)
}

func (p *parser) expect(kws ...string) *Error {
	for _, kw := range kws {
		if !p.accept(kw) {
			return p.errHere()
		}
	}
	return nil
}

func (p *parser) expectPunct(s string) *Error {
	if !p.acceptPunct(s) {
		return p.errHere()
	}
	return nil
}

// end requires the statement to be over.
func (p *parser) end() *Error {
	if p.peek().kind != tEOF {
		return p.errHere()
	}
	return nil
}

// ident reads an identifier (bare word or `quoted`).
func (p *parser) ident() (string, *Error) {
	t := p.peek()
	if t.kind != tIdent {
		return "", p.errHere()
	}
	p.i++
	return t.text, nil
}

// text reads a string literal.
func (p *parser) text() (string, *Error) {
	t := p.peek()
	if t.kind != tString {
		return "", p.errHere()
	}
	p.i++
	return t.text, nil
}

// userName reads a MySQL account name: 'u'@'h', u@h, `u`@`h`, 'u' (host '%'), CURRENT_USER[()].
func (p *parser) userName(s *Session) (user, host string, err *Error) {
	t := p.peek()
	if t.is("CURRENT_USER") {
		p.i++
		if p.acceptPunct("(") {
			if e := p.expectPunct(")"); e != nil {
				return "", "", e
			}
		}
		if s.acct != nil {
			return s.acct.User, s.acct.Host, nil
		}
		return "root", "%", nil
	}
	if t.kind != tString && t.kind != tIdent {
		return "", "", p.errHere()
	}
	p.i++
	user, host = t.text, "%"
	if p.peek().kind == tUserVar { // u@h lexes as ident + @h
		host = p.next().text
		return user, host, nil
	}
	if p.acceptPunct("@") {
		h := p.next()
		if h.kind != tString && h.kind != tIdent {
			return "", "", p.errHere()
		}
		host = h.text
	}
	return user, host, nil
}

// value is a literal on the right of SET or in a function call.
type value struct {
	kind  tokKind // tString, tNumber, tIdent (bare word such as ON), or tEOF for DEFAULT/NULL markers
	text  string
	isDef bool
	null  bool
}

func (p *parser) literal() (value, *Error) {
	t := p.peek()
	neg := false
	if t.isPunct("-") && p.peekAt(1).kind == tNumber {
		neg = true
		p.i++
		t = p.peek()
	}
	switch t.kind {
	case tString, tNumber:
		p.i++
		if neg {
			return value{kind: t.kind, text: "-" + t.text}, nil
		}
		return value{kind: t.kind, text: t.text}, nil
	case tIdent:
		if neg {
			return value{}, p.errHere()
		}
		p.i++
		switch {
		case t.is("DEFAULT"):
			return value{isDef: true}, nil
		case t.is("NULL"):
			return value{null: true}, nil
		}
		return value{kind: tIdent, text: t.text}, nil
	}
	return value{}, p.errHere()
}
