package backup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// maxDecodedChunk bounds a chunk's decompressed size (a zstd bomb cannot exhaust memory: lines are streamed).
const maxDecodedChunk = 16 << 30

// eachStatement decompresses a verified chunk and calls fn with each statement (without the ";\n"). Every line
// must be an INSERT into the chunk's own table with its recorded columns: a chunk can load rows, nothing else.
func eachStatement(chunk []byte, prefix string, fn func(stmt []byte) error) error {
	dec, err := zstd.NewReader(bytes.NewReader(chunk), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxDecodedChunk), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return fmt.Errorf("%w: zstd: %w", ErrCorrupt, err)
	}
	defer dec.Close()
	r := bufio.NewReaderSize(dec, 1<<20)
	var line []byte
	for n := 1; ; n++ {
		line, err = readLine(r, line[:0])
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: line %d: %w", ErrCorrupt, n, err)
		}
		stmt, ok := bytes.CutSuffix(line, []byte(");\n"))
		if !ok || !bytes.HasPrefix(stmt, []byte(prefix+"(")) {
			return fmt.Errorf("%w: line %d is not an INSERT of this table", ErrCorrupt, n)
		}
		if err := fn(line[:len(line)-2]); err != nil {
			return err
		}
	}
}

// readLine reads one '\n'-terminated line (kept) of at most maxStatement bytes.
func readLine(r *bufio.Reader, dst []byte) ([]byte, error) {
	for {
		frag, err := r.ReadSlice('\n')
		if len(dst)+len(frag) > maxStatement {
			return dst, fmt.Errorf("statement longer than %d bytes", maxStatement)
		}
		dst = append(dst, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return dst, err
	}
}
