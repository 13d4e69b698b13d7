package controllers

import (
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/orca-operator/orca/internal/events"
)

// emit records a catalogue event (internal/events) on obj, which the reconcilers' events concern alone.
func emit(r recorder.EventRecorder, obj runtime.Object, e events.Event, format string, args ...any) {
	events.Emit(r, obj, nil, e, format, args...)
}
