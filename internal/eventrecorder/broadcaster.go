// Package eventrecorder records Kubernetes Events (events.k8s.io/v1) for controller-runtime's
// recorder.EventRecorder interface, writing to the API server only when an event occurs. client-go's events
// broadcaster, which controller-runtime's manager uses, also writes later on its own timers: a series' final
// count six minutes after its last occurrence and every series again each 30 minutes, so an operator whose
// clusters changed nothing for minutes still patches Events. Here a repeat is written when its count reaches a
// power of two (or after RewriteAfter unwritten), at the moment it occurs, and a series ends silently.
package eventrecorder

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	eventsv1client "k8s.io/client-go/kubernetes/typed/events/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
)

// queueLength is how many writes wait for the API server before new events are dropped (client-go: 1000).
const queueLength = 1000

// drainTimeout is how long the writes still queued at shutdown get.
const drainTimeout = 5 * time.Second

// Broadcaster holds the series of every recorder it made and writes their Events, one at a time, from Start.
type Broadcaster struct {
	sink  events.EventSink
	clock clock.PassiveClock
	log   logr.Logger
	queue chan write

	mu        sync.Mutex
	series    map[key]*series
	lastSweep time.Time
}

// write is one request for the API server: a new Event, or a repeat's series patched onto one.
type write struct {
	event *eventsv1.Event
	patch bool
}

// key is what makes two occurrences one series: client-go's, without the regarding object's resourceVersion
// (a cluster's status write must not start a new series of the same event).
type key struct {
	typ, action, reason, controller, instance string
	regarding, related                        corev1.ObjectReference
}

// New returns a broadcaster writing to sink, on the real clock.
func New(sink events.EventSink, log logr.Logger) *Broadcaster {
	return newWithClock(sink, log, clock.RealClock{})
}

func newWithClock(sink events.EventSink, log logr.Logger, c clock.PassiveClock) *Broadcaster {
	return &Broadcaster{sink: sink, clock: c, log: log, queue: make(chan write, queueLength),
		series: map[key]*series{}}
}

// NewForConfig writes through an events.k8s.io/v1 client on cfg and httpClient (the manager's, so its
// requests are counted and throttled with the others).
func NewForConfig(cfg *rest.Config, httpClient *http.Client, log logr.Logger) (*Broadcaster, error) {
	cs, err := eventsv1client.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("events client: %w", err)
	}
	return New(&events.EventSinkImpl{Interface: cs}, log), nil
}

// Recorder returns a recorder whose Events name controller as their reportingController.
func (b *Broadcaster) Recorder(scheme *runtime.Scheme, controller string) *Recorder {
	host, _ := os.Hostname()
	return &Recorder{b: b, scheme: scheme, controller: controller, instance: controller + "-" + host}
}

// NeedLeaderElection is false: every replica records its own events (a manager.LeaderElectionRunnable).
func (b *Broadcaster) NeedLeaderElection() bool { return false }

// Start writes queued Events until ctx ends, then what is still queued for up to drainTimeout.
func (b *Broadcaster) Start(ctx context.Context) error {
	for {
		select {
		case w := <-b.queue:
			b.write(ctx, w)
		case <-ctx.Done():
			b.drain()
			return nil
		}
	}
}

func (b *Broadcaster) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case w := <-b.queue:
			b.write(ctx, w)
		default:
			return
		}
	}
}

// record takes one occurrence of ev and queues the write it calls for, if any.
func (b *Broadcaster) record(ev *eventsv1.Event) {
	w, ok := b.observe(ev, b.clock.Now())
	if !ok {
		return
	}
	select {
	case b.queue <- w:
	default:
		b.log.Info("event queue full: event dropped", "reason", ev.Reason, "namespace", ev.Namespace,
			"name", ev.Regarding.Name)
	}
}

// observe counts the occurrence in its series and returns the write it calls for: the Event itself when it
// starts a series, the series patched on a repeat writeOnRepeat picks, nothing otherwise.
func (b *Broadcaster) observe(ev *eventsv1.Event, now time.Time) (write, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	k := keyOf(ev)
	s, ok := b.series[k]
	if !ok || ended(s.lastSeen, now) {
		b.series[k] = &series{count: 1, written: now, lastSeen: now, first: ev}
		return write{event: ev}, true
	}
	s.count++
	s.lastSeen = now
	if !writeOnRepeat(s.count, s.written, now) {
		return write{}, false
	}
	s.written = now
	out := s.first.DeepCopy()
	out.Series = &eventsv1.EventSeries{Count: s.count, LastObservedTime: metav1.MicroTime{Time: now}}
	return write{event: out, patch: true}, true
}

// sweep forgets the series that ended, at most once per EndAfter: memory only, nothing is written.
func (b *Broadcaster) sweep(now time.Time) {
	if now.Sub(b.lastSweep) < EndAfter {
		return
	}
	b.lastSweep = now
	for k, s := range b.series {
		if ended(s.lastSeen, now) {
			delete(b.series, k)
		}
	}
}

func keyOf(ev *eventsv1.Event) key {
	k := key{typ: ev.Type, action: ev.Action, reason: ev.Reason, controller: ev.ReportingController,
		instance: ev.ReportingInstance, regarding: ev.Regarding}
	if ev.Related != nil {
		k.related = *ev.Related
	}
	k.regarding.ResourceVersion, k.related.ResourceVersion = "", ""
	return k
}
