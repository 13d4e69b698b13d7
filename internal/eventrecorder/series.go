package eventrecorder

import (
	"time"

	eventsv1 "k8s.io/api/events/v1"
)

// EndAfter is how long after its last occurrence a series ends: the next occurrence starts a new Event (as
// client-go's broadcaster does; it also writes the final count then, which Orca does not).
const EndAfter = 6 * time.Minute

// RewriteAfter is the longest a series still occurring goes unwritten: its next occurrence after that is
// written even between powers of two, so the Event outlives the API server's TTL (1 hour by default) while it
// keeps happening.
const RewriteAfter = 30 * time.Minute

// series is what the broadcaster knows of one Event it wrote and its repeats.
type series struct {
	count    int32     // occurrences so far
	written  time.Time // when the last write for it was decided
	lastSeen time.Time // the last occurrence
	first    *eventsv1.Event
}

// writeOnRepeat decides whether the occurrence that brought the series to count, at now, is written: at
// counts that are powers of two (2, 4, 8...: a burst of n repeats costs about log2(n) writes, and the count
// shown is at least half the true one), or when the series went unwritten for RewriteAfter. Every write
// follows an occurrence: nothing is written later on a timer, so a cluster where nothing happens sends nothing.
func writeOnRepeat(count int32, written, now time.Time) bool {
	return count&(count-1) == 0 || now.Sub(written) >= RewriteAfter
}

// ended reports whether a series last seen at lastSeen is over at now.
func ended(lastSeen, now time.Time) bool {
	return now.Sub(lastSeen) >= EndAfter
}
