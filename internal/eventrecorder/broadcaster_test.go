package eventrecorder

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
)

// fakeSink records the writes it is sent; missing names Events it answers NotFound for.
type fakeSink struct {
	mu      sync.Mutex
	writes  []string // "create <name>" or "patch <name> <count>"
	missing map[string]bool
}

func (s *fakeSink) Create(_ context.Context, ev *eventsv1.Event) (*eventsv1.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := ""
	if ev.Series != nil {
		n = fmt.Sprintf(" %d", ev.Series.Count)
	}
	s.writes = append(s.writes, "create "+ev.Name+n)
	return ev, nil
}

func (s *fakeSink) Update(context.Context, *eventsv1.Event) (*eventsv1.Event, error) {
	panic("the recorder never updates an Event")
}

func (s *fakeSink) Patch(_ context.Context, ev *eventsv1.Event, data []byte) (*eventsv1.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p struct{ Series eventsv1.EventSeries }
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	s.writes = append(s.writes, fmt.Sprintf("patch %s %d", ev.Name, p.Series.Count))
	if s.missing[ev.Name] {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "events.k8s.io", Resource: "events"}, ev.Name)
	}
	return ev, nil
}

func (s *fakeSink) taken() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.writes
	s.writes = nil
	return out
}

type fixture struct {
	t     *testing.T
	sink  *fakeSink
	clock *clocktesting.FakeClock
	b     *Broadcaster
	rec   *Recorder
	pod   *corev1.Pod
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, sink: &fakeSink{missing: map[string]bool{}},
		clock: clocktesting.NewFakeClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))}
	f.b = newWithClock(f.sink, logr.Discard(), f.clock)
	f.rec = f.b.Recorder(clientgoscheme.Scheme, "orca-test")
	f.pod = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-0", UID: "u1", ResourceVersion: "1"}}
	return f
}

// emit records one MemberUnreachable about the pod and writes what it queued.
func (f *fixture) emit() {
	f.rec.Eventf(f.pod, nil, corev1.EventTypeWarning, "MemberUnreachable", "Observe", "member %s", "db-0")
	f.flush()
}

// flush writes every queued write, as Start does.
func (f *fixture) flush() {
	for {
		select {
		case w := <-f.b.queue:
			f.b.write(context.Background(), w)
		default:
			return
		}
	}
}

func (f *fixture) want(want ...string) {
	f.t.Helper()
	got := f.sink.taken()
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		f.t.Fatalf("writes %q, want %q", got, want)
	}
}

// A burst of repeats writes at counts 2, 4, 8; then nothing is written however long nothing happens: no
// timer is left behind (client-go's broadcaster patches the final count 6 minutes later, and every series each
// 30 minutes).
func TestRepeatsWriteWhenTheyOccurAndNeverLater(t *testing.T) {
	f := newFixture(t)
	f.emit()
	name := strings.TrimPrefix(f.sink.writes[0], "create ")
	f.want("create " + name)
	for range 9 {
		f.clock.Step(time.Second)
		f.emit()
	}
	f.want("patch "+name+" 2", "patch "+name+" 4", "patch "+name+" 8")
	for range 120 {
		f.clock.Step(time.Minute)
		f.flush()
		if f.clock.HasWaiters() {
			t.Fatal("the broadcaster waits on its clock")
		}
	}
	f.want()
}

// A series still occurring, slowly, is written again once RewriteAfter passed since its last write, before the
// API server's TTL would expire its Event.
func TestSlowSeriesRewrittenAfterRewriteAfter(t *testing.T) {
	f := newFixture(t)
	f.emit()
	name := strings.TrimPrefix(f.sink.taken()[0], "create ")
	var counts []string
	for range 15 { // every 5 minutes: counts 2 to 16 over 75 minutes
		f.clock.Step(5 * time.Minute)
		f.emit()
		for _, w := range f.sink.taken() {
			counts = append(counts, strings.TrimPrefix(w, "patch "+name+" "))
		}
	}
	// 2 (5 min), 4 (15), 8 (35), 14 (65: 30 minutes after 8), 16 (75)
	if got := strings.Join(counts, ","); got != "2,4,8,14,16" {
		t.Fatalf("series written at counts %s, want 2,4,8,14,16", got)
	}
}

// EndAfter without an occurrence ends the series: the next occurrence is a new Event.
func TestEndedSeriesStartsANewEvent(t *testing.T) {
	f := newFixture(t)
	f.emit()
	first := f.sink.taken()
	f.clock.Step(EndAfter)
	f.emit()
	second := f.sink.taken()
	if len(second) != 1 || !strings.HasPrefix(second[0], "create ") || second[0] == first[0] {
		t.Fatalf("after the series ended: %q then %q, want a second create of a new Event", first, second)
	}
}

// A change of the regarding object's resourceVersion continues its series; a different related object starts
// another.
func TestSeriesKey(t *testing.T) {
	f := newFixture(t)
	f.emit()
	name := strings.TrimPrefix(f.sink.taken()[0], "create ")
	f.pod.ResourceVersion = "2"
	f.emit()
	f.want("patch " + name + " 2")
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db-1"}}
	f.rec.Eventf(f.pod, other, corev1.EventTypeWarning, "MemberUnreachable", "Observe", "member db-1")
	f.flush()
	if got := f.sink.taken(); len(got) != 1 || !strings.HasPrefix(got[0], "create ") {
		t.Fatalf("an event with another related object: %q, want a create", got)
	}
}

// A repeat whose Event is gone from the API server (TTL, deleted) creates it again, with its series.
func TestPatchOfAMissingEventCreatesIt(t *testing.T) {
	f := newFixture(t)
	f.emit()
	name := strings.TrimPrefix(f.sink.taken()[0], "create ")
	f.sink.missing[name] = true
	f.emit()
	f.want("patch "+name+" 2", "create "+name+" 2")
}

// An event of an unknown type, or about an object the scheme cannot reference, is not recorded.
func TestInvalidEventsAreNotRecorded(t *testing.T) {
	f := newFixture(t)
	f.rec.Eventf(f.pod, nil, "Fatal", "X", "Observe", "note")
	f.rec.Eventf(&unknownObject{}, nil, corev1.EventTypeNormal, "X", "Observe", "note")
	f.flush()
	f.want()
}

func TestEventFields(t *testing.T) {
	f := newFixture(t)
	ev, err := f.rec.event(f.pod, nil, corev1.EventTypeNormal, "Created", "Create", strings.Repeat("é", 600))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Namespace != "ns" || ev.Regarding.Kind != "Pod" || ev.Regarding.Name != "db-0" ||
		ev.ReportingController != "orca-test" || !strings.HasPrefix(ev.ReportingInstance, "orca-test-") {
		t.Fatalf("event %+v", ev)
	}
	if len(ev.Note) > maxNote || !strings.HasPrefix(strings.Repeat("é", 600), ev.Note) || len(ev.Note) < maxNote-1 {
		t.Fatalf("note of %d bytes, want the first %d bytes cut on a rune", len(ev.Note), maxNote)
	}
}

// Start writes what was queued, and what is still queued when its context ends.
func TestStartWritesQueuedEvents(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.rec.Eventf(f.pod, nil, corev1.EventTypeNormal, "Created", "Create", "one")
	cancel()
	if err := f.b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.sink.taken(); len(got) != 1 {
		t.Fatalf("writes %q, want the one queued", got)
	}
}

type unknownObject struct{ corev1.Pod }
