package clustering

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// unreachableCause is why a member could not be queried, in words that stay the same from pass to pass: the
// status shows it, and an error's text (an ephemeral port, an address, a timing) would rewrite the status on
// every pass. The full error goes to the log and, when the cause changes, to a MemberUnreachable event.
func unreachableCause(err error) string {
	var xe *wire.Error
	switch {
	case errors.As(err, &xe):
		return fmt.Sprintf("the server refused the query (error %d, SQLSTATE %s)", xe.Code, xe.SQLState)
	case errors.Is(err, mysqladmin.ErrAccessDenied):
		return "the operator's account was refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "the query timed out"
	case errors.Is(err, mysqladmin.ErrUnreachable):
		return "cannot connect"
	case errors.Is(err, mysqladmin.ErrUnexpectedResult):
		return "the server returned an unexpected result"
	}
	return "the query failed"
}

// reportUnreachable logs every member that could not be queried with its error, and emits MemberUnreachable
// when a member's cause changed since the last pass (once per change, not per pass).
func (l *loop) reportUnreachable(ctx context.Context, o *observation, errs map[string]error) {
	l.mu.Lock()
	if l.causes == nil {
		l.causes = map[string]string{}
	}
	var changed []string
	for pod, err := range errs {
		if cause := unreachableCause(err); l.causes[pod] != cause {
			l.causes[pod] = cause
			changed = append(changed, pod)
		}
	}
	for pod := range l.causes {
		if _, ok := errs[pod]; !ok {
			delete(l.causes, pod)
		}
	}
	l.mu.Unlock()
	logger := log.FromContext(ctx)
	for pod, err := range errs {
		logger.V(1).Info("member cannot be queried", "member", pod, "error", err.Error())
	}
	for _, pod := range changed {
		events.Emit(l.m.Recorder, o.cluster, memberPod(o, pod), events.MemberUnreachable,
			"%s cannot be queried: %v", pod, errs[pod])
	}
}

// unqueried records a member that could not be queried with its stable cause.
func unqueried(m *topology.Member, err error) { m.Unreachable = unreachableCause(err) }
