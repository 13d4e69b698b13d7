package eventrecorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// maxTries is how many times a write is sent while the API server cannot be reached.
const maxTries = 3

// retryDelay is the wait before the second try, doubled before each later one.
const retryDelay = time.Second

// write sends w, again while the API server cannot be reached; an Event it refuses is logged and dropped.
func (b *Broadcaster) write(ctx context.Context, w write) {
	delay := retryDelay
	for try := 1; ; try++ {
		err := b.send(ctx, w)
		if err == nil {
			return
		}
		if !retryable(err) || try == maxTries {
			b.log.Error(err, "event not written", "reason", w.event.Reason, "namespace", w.event.Namespace,
				"name", w.event.Regarding.Name)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// send patches a repeat's series onto its Event, or creates the Event: a new one, or one whose Event expired
// from the API server (its TTL) or was deleted.
func (b *Broadcaster) send(ctx context.Context, w write) error {
	if w.patch {
		patch, err := seriesPatch(w.event.Series)
		if err != nil {
			return err
		}
		_, err = b.sink.Patch(ctx, w.event, patch)
		if !apierrors.IsNotFound(err) {
			return wrapWrite("patch", w.event, err)
		}
	}
	ev := w.event.DeepCopy()
	ev.ResourceVersion = ""
	_, err := b.sink.Create(ctx, ev)
	if apierrors.IsAlreadyExists(err) {
		return nil // a create retried after a lost response
	}
	return wrapWrite("create", ev, err)
}

// seriesPatch is the strategic merge patch setting an Event's series, as client-go's broadcaster sends it.
func seriesPatch(s *eventsv1.EventSeries) ([]byte, error) {
	raw, err := json.Marshal(struct {
		Series *eventsv1.EventSeries `json:"series"`
	}{s})
	if err != nil {
		return nil, fmt.Errorf("encode the event series: %w", err)
	}
	return raw, nil
}

func wrapWrite(verb string, ev *eventsv1.Event, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s event %s/%s: %w", verb, ev.Namespace, ev.Name, err)
}

// retryable is true for an error that is not the API server's answer (the request did not get through), or
// an answer saying to come back later.
func retryable(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return true
	}
	return apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsTimeout(err) || apierrors.IsInternalError(err)
}
