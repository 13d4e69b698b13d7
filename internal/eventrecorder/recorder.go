package eventrecorder

import (
	"fmt"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record/util"
	"k8s.io/client-go/tools/reference"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// maxNote is the longest note the events API accepts, in bytes.
const maxNote = 1024

// Recorder records Events for one reporting controller through its Broadcaster.
type Recorder struct {
	b                    *Broadcaster
	scheme               *runtime.Scheme
	controller, instance string
}

var _ recorder.EventRecorder = (*Recorder)(nil)

// Eventf records an event about regarding (and related, nil for none) with a note built from note and args.
func (r *Recorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.AnnotatedEventf(regarding, related, nil, eventtype, reason, action, note, args...)
}

// AnnotatedEventf is Eventf with annotations on the Event.
func (r *Recorder) AnnotatedEventf(regarding, related runtime.Object, annotations map[string]string,
	eventtype, reason, action, note string, args ...any) {
	ev, err := r.event(regarding, related, eventtype, reason, action, fmt.Sprintf(note, args...))
	if err != nil {
		r.b.log.Error(err, "event not recorded", "reason", reason)
		return
	}
	ev.Annotations = annotations
	r.b.log.V(1).Info("event", "namespace", ev.Regarding.Namespace, "name", ev.Regarding.Name,
		"kind", ev.Regarding.Kind, "type", eventtype, "reason", reason, "action", action, "note", ev.Note)
	r.b.record(ev)
}

// event builds the Event as client-go's recorder does: named after the regarding object and the time, in its
// namespace ("default" for a cluster-scoped one).
func (r *Recorder) event(regarding, related runtime.Object, eventtype, reason, action, note string) (
	*eventsv1.Event, error) {
	ref, err := reference.GetReference(r.scheme, regarding)
	if err != nil {
		return nil, fmt.Errorf("reference the event's object: %w", err)
	}
	if eventtype != corev1.EventTypeNormal && eventtype != corev1.EventTypeWarning {
		return nil, fmt.Errorf("event type %q: want Normal or Warning", eventtype)
	}
	now := r.b.clock.Now()
	ns := ref.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: util.GenerateEventName(ref.Name, now.UnixNano()), Namespace: ns},
		EventTime:           metav1.MicroTime{Time: now},
		ReportingController: r.controller,
		ReportingInstance:   r.instance,
		Action:              action,
		Reason:              reason,
		Regarding:           *ref,
		Related:             r.relatedRef(related),
		Note:                truncate(note, maxNote),
		Type:                eventtype,
	}, nil
}

// relatedRef references the related object; none when there is none or it cannot be referenced (the event is
// still worth recording about its main object).
func (r *Recorder) relatedRef(related runtime.Object) *corev1.ObjectReference {
	if related == nil {
		return nil
	}
	ref, err := reference.GetReference(r.scheme, related)
	if err != nil {
		return nil
	}
	return ref
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
