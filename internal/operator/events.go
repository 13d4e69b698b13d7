package operator

import (
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/orca-operator/orca/internal/eventrecorder"
)

// eventBroadcaster records every controller's Events, writing only when one occurs: controller-runtime's
// recorders (client-go's events broadcaster) also patch series on timers, minutes after the last occurrence,
// which a cluster where nothing changes must not cause (docs/events.md).
func eventBroadcaster(mgr ctrl.Manager) (*eventrecorder.Broadcaster, error) {
	b, err := eventrecorder.NewForConfig(mgr.GetConfig(), mgr.GetHTTPClient(), ctrl.Log.WithName("events"))
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(b); err != nil {
		return nil, fmt.Errorf("add the event broadcaster: %w", err)
	}
	return b, nil
}

// recordingManager is the manager whose GetEventRecorder returns Orca's recorders, so every controller set up
// with it records through the broadcaster above.
type recordingManager struct {
	ctrl.Manager
	events *eventrecorder.Broadcaster
}

// GetEventRecorder returns a recorder reporting as name.
func (m recordingManager) GetEventRecorder(name string) recorder.EventRecorder {
	return m.events.Recorder(m.GetScheme(), name)
}
