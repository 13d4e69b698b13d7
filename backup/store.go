package backup

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound is returned by Store.Open for a missing object.
var ErrNotFound = errors.New("object not found")

// Store holds a backup's objects. Keys are relative to the store's own prefix.
type Store interface {
	// Create starts a new object at key. Nothing is visible under key until the writer's Close succeeds.
	Create(ctx context.Context, key string) (ObjectWriter, error)
	// Open streams an object; ErrNotFound when it does not exist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the keys under prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes objects; missing ones are not an error.
	Delete(ctx context.Context, keys ...string) error
	// AbortUploads drops every unfinished multipart upload under prefix (left by a killed backup).
	AbortUploads(ctx context.Context, prefix string) (int, error)
}

// ObjectWriter receives an object's bytes. Exactly one of Close (publish) or Abort (discard) must be called.
type ObjectWriter interface {
	io.Writer
	// Close uploads what is buffered and publishes the object.
	Close() error
	// Abort discards the object and any multipart upload it started.
	Abort() error
}
