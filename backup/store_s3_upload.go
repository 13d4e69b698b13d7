package backup

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Writer buffers one part at a time: an object smaller than a part is one PutObject, a larger one a multipart
// upload whose parts are sent as they fill. Each request body is a bytes.Reader, so the SDK can retry it.
type s3Writer struct {
	s        *S3Store
	ctx      context.Context
	key      string
	buf      []byte
	uploadID *string
	parts    []types.CompletedPart
	err      error
	done     bool
}

// Create starts an object; it buffers at most PartSize bytes.
func (s *S3Store) Create(ctx context.Context, key string) (ObjectWriter, error) {
	return &s3Writer{s: s, ctx: ctx, key: s.full(key), buf: make([]byte, 0, s.partSize)}, nil
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		room := cap(w.buf) - len(w.buf)
		if room == 0 {
			if w.err = w.flushPart(); w.err != nil {
				return n, w.err
			}
			continue
		}
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p, n = p[take:], n+take
	}
	return n, nil
}

func (w *s3Writer) flushPart() error {
	if w.uploadID == nil {
		out, err := w.s.client.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{Bucket: &w.s.bucket,
			Key: &w.key})
		if err != nil {
			return fmt.Errorf("start multipart upload of %s: %w", w.key, err)
		}
		w.uploadID = out.UploadId
	}
	num := int32(len(w.parts) + 1)
	out, err := w.s.client.UploadPart(w.ctx, &s3.UploadPartInput{Bucket: &w.s.bucket, Key: &w.key,
		UploadId: w.uploadID, PartNumber: aws.Int32(num), Body: bytes.NewReader(w.buf),
		ContentLength: aws.Int64(int64(len(w.buf)))})
	if err != nil {
		return fmt.Errorf("upload part %d of %s: %w", num, w.key, err)
	}
	w.parts = append(w.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	w.buf = w.buf[:0]
	return nil
}

// Close publishes the object. On failure the multipart upload is aborted.
func (w *s3Writer) Close() error {
	if w.done {
		return nil
	}
	if w.err != nil {
		_ = w.Abort()
		return w.err
	}
	w.done = true
	if w.uploadID == nil {
		_, err := w.s.client.PutObject(w.ctx, &s3.PutObjectInput{Bucket: &w.s.bucket, Key: &w.key,
			Body: bytes.NewReader(w.buf), ContentLength: aws.Int64(int64(len(w.buf)))})
		if err != nil {
			return fmt.Errorf("put %s: %w", w.key, err)
		}
		return nil
	}
	if len(w.buf) > 0 {
		if err := w.flushPart(); err != nil {
			w.done = false
			_ = w.Abort()
			return err
		}
	}
	_, err := w.s.client.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{Bucket: &w.s.bucket,
		Key: &w.key, UploadId: w.uploadID, MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts}})
	if err != nil {
		w.done = false
		_ = w.Abort()
		return fmt.Errorf("complete upload of %s: %w", w.key, err)
	}
	return nil
}

// Abort discards the object. It uses a fresh context: the writer's own may be what was cancelled.
func (w *s3Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.uploadID == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), abortTimeout)
	defer cancel()
	_, err := w.s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &w.s.bucket,
		Key: &w.key, UploadId: w.uploadID})
	if err != nil {
		return fmt.Errorf("abort upload of %s: %w", w.key, err)
	}
	return nil
}
