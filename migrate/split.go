package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnterminated means a quote or a block comment is still open at the end of a file.
var ErrUnterminated = errors.New("unterminated quote or comment")

// Statement is one statement of a migration file.
type Statement struct {
	// Text is the statement without its delimiter, trimmed; comments before it are left out.
	Text string
	// Line is the line of the file where the statement starts, from 1.
	Line int
}

// splitter walks a file as the mysql client does: quotes ('...', "...", `...`) with backslash and doubled-quote
// escapes, comments (-- followed by a blank, #, /* */; /*! */ and /*+ */ are kept in the statement), and
// DELIMITER commands at the start of a line between statements.
type splitter struct {
	src       string
	i, line   int
	delim     string
	start     int // -1 until the statement's first character
	startLine int
	out       []Statement
}

// Split returns the statements of a migration file in order.
func Split(src string) ([]Statement, error) {
	s := &splitter{src: src, line: 1, delim: ";", start: -1}
	for s.i < len(s.src) {
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	s.flush(len(s.src))
	return s.out, nil
}

func (s *splitter) step() error {
	c := s.src[s.i]
	switch {
	case s.start < 0 && s.atLineStart() && s.delimiterCommand():
		return nil
	case strings.HasPrefix(s.src[s.i:], s.delim):
		s.flush(s.i)
		s.i += len(s.delim)
		return nil
	case c == '\'' || c == '"' || c == '`':
		s.begin()
		return s.skipQuote(c)
	case c == '#' || s.dashComment():
		s.skipLine()
		return nil
	case strings.HasPrefix(s.src[s.i:], "/*"):
		if s.i+2 < len(s.src) && (s.src[s.i+2] == '!' || s.src[s.i+2] == '+') {
			s.begin()
		}
		return s.skipBlock()
	case c == '\n':
		s.line++
	case c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v':
		s.begin()
	}
	s.i++
	return nil
}

// begin marks the statement's first character.
func (s *splitter) begin() {
	if s.start < 0 {
		s.start, s.startLine = s.i, s.line
	}
}

// flush ends the statement at end, if it has begun.
func (s *splitter) flush(end int) {
	if s.start >= 0 {
		if text := strings.TrimSpace(s.src[s.start:end]); text != "" {
			s.out = append(s.out, Statement{Text: text, Line: s.startLine})
		}
	}
	s.start = -1
}

func (s *splitter) atLineStart() bool {
	j := s.i
	for j > 0 && (s.src[j-1] == ' ' || s.src[j-1] == '\t') {
		j--
	}
	return j == 0 || s.src[j-1] == '\n'
}

// delimiterCommand reads "DELIMITER <d>" to the end of its line.
func (s *splitter) delimiterCommand() bool {
	const kw = "delimiter"
	rest := s.src[s.i:]
	if len(rest) <= len(kw) || !strings.EqualFold(rest[:len(kw)], kw) ||
		(rest[len(kw)] != ' ' && rest[len(kw)] != '\t') {
		return false
	}
	line, _, _ := strings.Cut(rest[len(kw):], "\n")
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return false
	}
	s.delim = fields[0]
	s.i += len(kw) + len(line)
	return true
}

func (s *splitter) dashComment() bool {
	r := s.src[s.i:]
	return strings.HasPrefix(r, "--") && (len(r) == 2 || strings.ContainsRune(" \t\r\n\f\v", rune(r[2])))
}

func (s *splitter) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

func (s *splitter) skipQuote(q byte) error {
	startLine := s.line
	for s.i++; s.i < len(s.src); s.i++ {
		switch c := s.src[s.i]; {
		case c == '\n':
			s.line++
		case c == '\\' && q != '`':
			s.i++
			if s.i < len(s.src) && s.src[s.i] == '\n' {
				s.line++
			}
		case c == q && s.i+1 < len(s.src) && s.src[s.i+1] == q:
			s.i++
		case c == q:
			s.i++
			return nil
		}
	}
	return fmt.Errorf("quote %c opened on line %d: %w", q, startLine, ErrUnterminated)
}

func (s *splitter) skipBlock() error {
	startLine := s.line
	end := strings.Index(s.src[s.i+2:], "*/")
	if end < 0 {
		return fmt.Errorf("comment opened on line %d: %w", startLine, ErrUnterminated)
	}
	s.line += strings.Count(s.src[s.i:s.i+2+end], "\n")
	s.i += 2 + end + 2
	return nil
}
