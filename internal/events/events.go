// Package events is the one catalogue of the Kubernetes Events Orca emits (docs/events.md). Each entry fixes an
// event's reason, its type (Normal or Warning) and its action; Emit is the only way to record one, so no event
// carries a reason outside the catalogue (the package's tests walk the code to keep it so).
package events

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// Reason is an event's machine-readable cause, the REASON column of `kubectl events`.
type Reason string

// Event is one entry of the catalogue. Its fields are unexported: entries are made here only.
type Event struct {
	typ    string
	reason Reason
	action string
}

// Type is corev1.EventTypeNormal or corev1.EventTypeWarning.
func (e Event) Type() string { return e.typ }

// Reason is the event's reason.
func (e Event) Reason() Reason { return e.reason }

// Action is what Orca did or tried (the events API's action: Create, Act, Observe...).
func (e Event) Action() string { return e.action }

// catalogue holds every entry in the order declared (normal and warning register them).
var catalogue []Event

func register(typ string, reason Reason, action string) Event {
	e := Event{typ: typ, reason: reason, action: action}
	catalogue = append(catalogue, e)
	return e
}

func normal(reason Reason, action string) Event {
	return register(corev1.EventTypeNormal, reason, action)
}
func warning(reason Reason, action string) Event {
	return register(corev1.EventTypeWarning, reason, action)
}

// All returns every entry of the catalogue, in the order docs/events.md lists them.
func All() []Event { return append([]Event(nil), catalogue...) }

// Emit records e on obj with a note built from format and args. related names a second object the event
// concerns (a member's pod; nil for none): the events API folds events with the same reason, object and related
// object into one series that keeps the first note, so without it every JoinMember of a cluster would read as
// the first one. A nil recorder or the zero Event records nothing.
func Emit(r recorder.EventRecorder, obj, related runtime.Object, e Event, format string, args ...any) {
	if r == nil || e.reason == "" {
		return
	}
	r.Eventf(obj, related, e.typ, string(e.reason), e.action, format, args...)
}
