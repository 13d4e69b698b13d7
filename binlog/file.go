package binlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// FileMagic opens every binary log file.
const FileMagic = "\xfebin"

// WriteFile writes a binary log file holding the transactions, all logged under the format description
// format: the magic, the format description (marked closed, so mariadb-binlog and mysqlbinlog read it without
// a warning) and each transaction's events unchanged.
func WriteFile(w io.Writer, format []byte, txns []*Transaction) (int64, error) {
	f, err := parseFormat(format)
	if err != nil {
		return 0, fmt.Errorf("write binary log file: %w", err)
	}
	fde := bytes.Clone(format)
	binary.LittleEndian.PutUint16(fde[17:], binary.LittleEndian.Uint16(fde[17:])&^flagInUse)
	binary.LittleEndian.PutUint32(fde[13:], uint32(len(FileMagic)+len(fde)))
	if f.Checksummed {
		setChecksum(fde)
	}
	cw := &countingWriter{w: w}
	_, _ = cw.Write([]byte(FileMagic))
	_, _ = cw.Write(fde)
	for _, t := range txns {
		if !bytes.Equal(t.Format, format) {
			return cw.n, fmt.Errorf("write binary log file: transaction %s was logged under another format", t.GTID)
		}
		for _, e := range t.Events {
			_, _ = cw.Write(e)
		}
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("write binary log file: %w", cw.err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// ReadFile reads a binary log file into its transactions, checking every event's checksum. A file that ends
// inside an event or a transaction is malformed.
func ReadFile(b []byte) ([]*Transaction, error) {
	if !bytes.HasPrefix(b, []byte(FileMagic)) {
		return nil, fmt.Errorf("%w: not a binary log file", ErrMalformed)
	}
	b = b[len(FileMagic):]
	a := NewAssembler(false)
	var out []*Transaction
	for off := len(FileMagic); len(b) > 0; {
		h, err := ParseHeader(b)
		if err != nil {
			return nil, fmt.Errorf("event at offset %d: %w", off, err)
		}
		if int(h.Size) > len(b) {
			return nil, fmt.Errorf("%w: event at offset %d of %d bytes, %d left", ErrMalformed, off, h.Size, len(b))
		}
		t, err := a.Feed(b[:h.Size])
		if err != nil {
			return nil, fmt.Errorf("event at offset %d: %w", off, err)
		}
		if t != nil {
			out = append(out, t)
		}
		off += int(h.Size)
		b = b[h.Size:]
	}
	if a.Pending() {
		return nil, fmt.Errorf("%w: the file ends inside a transaction", ErrMalformed)
	}
	return out, nil
}
