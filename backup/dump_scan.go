package backup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/cespare/xxhash/v2"
	"github.com/klauspost/compress/zstd"
)

// dumpWorker turns scans into chunk objects on its own snapshot connection, with one reused encoder.
type dumpWorker struct {
	o    DumpOptions
	conn *sql.Conn
	enc  *zstd.Encoder
}

func newDumpWorker(o DumpOptions, c *sql.Conn) (*dumpWorker, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(o.CompressionLevel)))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	return &dumpWorker{o: o, conn: c, enc: enc}, nil
}

func (w *dumpWorker) close() { _ = w.enc.Close() }

func chunkKey(table, part, seq int) string {
	return fmt.Sprintf("data/t%05d/p%05d-%04d.sql.zst", table, part, seq)
}

// scan streams one SELECT into chunks of about ChunkBytes of SQL each.
func (w *dumpWorker) scan(ctx context.Context, t *tableInfo, task scanTask) (chunks []Chunk, err error) {
	q := "SELECT " + t.selectList() + " FROM " + quoteIdent(t.Database) + "." + quoteIdent(t.Name) +
		task.where
	rows, err := w.conn.QueryContext(ctx, q) // no arguments: the text protocol, as Verify reads
	if err != nil {
		return nil, fmt.Errorf("scan %s.%s: %w", t.Database, t.Name, err)
	}
	defer func() { _ = rows.Close() }()
	sb := &stmtBuilder{prefix: insertPrefix(t.Database, t.Name, t.Columns), kinds: t.kinds,
		limit: w.o.StatementBytes}
	vals := make([]sql.RawBytes, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	bvals := make([][]byte, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var cw *chunkWriter
	defer func() {
		if cw != nil {
			cw.abort()
		}
	}()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan %s.%s: %w", t.Database, t.Name, err)
		}
		if cw == nil {
			if cw, err = w.newChunk(ctx, chunkKey(task.table, task.part, len(chunks))); err != nil {
				return nil, err
			}
		}
		for i, v := range vals {
			bvals[i] = v // nil for NULL; the driver hands "" as an empty, non-nil slice
		}
		if err := cw.write(sb.add(bvals)); err != nil {
			return nil, err
		}
		cw.rows++
		cw.digest += xxhash.Sum64(sb.lastRow())
		if cw.raw >= w.o.ChunkBytes {
			c, err := cw.finish(sb.finish())
			cw = nil
			if err != nil {
				return nil, err
			}
			chunks = append(chunks, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan %s.%s: %w", t.Database, t.Name, err)
	}
	if cw != nil {
		c, err := cw.finish(sb.finish())
		cw = nil
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, c)
	}
	return chunks, nil
}

// chunkWriter compresses SQL into one object, hashing and counting what it sends.
type chunkWriter struct {
	key  string
	ow   ObjectWriter
	enc  *zstd.Encoder
	sum  hash.Hash
	size int64
	raw  int64
	rows int64
	// digest is the sum of the rows' xxhash64: independent of row order, recomputed by Verify.
	digest uint64
}

func (w *dumpWorker) newChunk(ctx context.Context, key string) (*chunkWriter, error) {
	ow, err := w.o.Store.Create(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	cw := &chunkWriter{key: key, ow: ow, enc: w.enc, sum: sha256.New()}
	w.enc.Reset(io.MultiWriter(ow, cw.sum, (*countWriter)(&cw.size)))
	return cw, nil
}

func (cw *chunkWriter) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	cw.raw += int64(len(p))
	if _, err := cw.enc.Write(p); err != nil {
		return fmt.Errorf("write %s: %w", cw.key, err)
	}
	return nil
}

// finish writes the last statement, flushes the compressor and publishes the object.
func (cw *chunkWriter) finish(last []byte) (Chunk, error) {
	if err := cw.write(last); err != nil {
		cw.abort()
		return Chunk{}, err
	}
	if err := cw.enc.Close(); err != nil {
		cw.abort()
		return Chunk{}, fmt.Errorf("compress %s: %w", cw.key, err)
	}
	if err := cw.ow.Close(); err != nil {
		return Chunk{}, fmt.Errorf("upload %s: %w", cw.key, err)
	}
	return Chunk{Key: cw.key, Rows: cw.rows, Size: cw.size, RawSize: cw.raw,
		SHA256: hex.EncodeToString(cw.sum.Sum(nil)), Digest: formatDigest(cw.digest)}, nil
}

func (cw *chunkWriter) abort() { _ = cw.ow.Abort() }

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
