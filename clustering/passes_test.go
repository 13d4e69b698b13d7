package clustering_test

import (
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// passCounter counts each cluster's completed loop passes (Manager.OnPass), so a test can wait for "the
// loop looked N more times" instead of sleeping for a wall-clock time that a busy machine may not honour.
type passCounter struct {
	mu      sync.Mutex
	counts  map[types.NamespacedName]int
	changed chan struct{} // closed and replaced at every pass
}

func newPassCounter() *passCounter {
	return &passCounter{counts: map[types.NamespacedName]int{}, changed: make(chan struct{})}
}

// done is the Manager's OnPass hook.
func (p *passCounter) done(key types.NamespacedName, _ error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[key]++
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *passCounter) count(key types.NamespacedName) (int, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[key], p.changed
}

// during calls check after every pass of the cluster until n more passes completed; it fails the test when
// they do not come within a minute.
func (p *passCounter) during(t *testing.T, key types.NamespacedName, n int, check func()) {
	t.Helper()
	start, _ := p.count(key)
	deadline := time.After(time.Minute)
	for {
		check()
		got, changed := p.count(key)
		if got >= start+n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d passes of %s in a minute, waited for %d", got-start, key, n)
		}
	}
}
