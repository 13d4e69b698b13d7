package backup

import (
	"context"
	"database/sql"
	"sync"
)

// onWorkers runs fn on n restore connections (at least one) for every item produce sends, and returns the first
// error. produce sends until it runs out or ctx ends, then closes out; it runs in the caller's goroutine.
func onWorkers[T any](ctx context.Context, db *sql.DB, n int, produce func(ctx context.Context, out chan<- T),
	fn func(ctx context.Context, c *sql.Conn, item T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan T)
	var wg sync.WaitGroup
	for range max(n, 1) {
		c, err := restoreConn(ctx, db)
		if err != nil {
			cancel(err)
			break
		}
		wg.Go(func() {
			defer func() { _ = c.Close() }()
			for it := range queue {
				if err := fn(ctx, c, it); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	produce(ctx, queue)
	wg.Wait()
	return context.Cause(ctx)
}

// feeder is a produce function sending items in order.
func feeder[T any](items []T) func(ctx context.Context, out chan<- T) {
	return func(ctx context.Context, out chan<- T) { feed(ctx, out, items) }
}

// fetchedChunk is a chunk whose object was read and verified (data), or could not be (err).
type fetchedChunk struct {
	chunkJob
	data []byte
	err  error
}

// prefetchers is how many chunk objects are read ahead of the loading workers: each holds at most one verified
// chunk while it waits for a free worker, so the memory is (threads + prefetchers) chunks.
func prefetchers(threads int) int { return max(1, (threads+1)/2) }

// prefetch reads and verifies the jobs' objects on n goroutines ahead of the workers, so a worker finds its next
// chunk in memory when it commits one (the S3 GET and SHA-256 overlap the server's work). The order of the jobs
// is kept within each goroutine. No byte reaches a worker before its object's checksum matched.
func prefetch(st Store, jobs []chunkJob, n int) func(ctx context.Context, out chan<- fetchedChunk) {
	return func(ctx context.Context, out chan<- fetchedChunk) {
		defer close(out)
		in := make(chan chunkJob)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				for j := range in {
					data, err := readVerified(ctx, st, j.c.Key, j.c.Size, j.c.SHA256)
					select {
					case out <- fetchedChunk{j, data, err}:
					case <-ctx.Done():
						return
					}
				}
			})
		}
		feed(ctx, in, jobs)
		wg.Wait()
	}
}
