package clustering

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// demotion removes the role label and the readiness gate of every pod whose mysql container is not running or
// restarted since Orca last saw its member ONLINE: a restarted primary must not receive writes through the
// primary Service for a moment longer. It starts before the pass queries anything and runs beside those
// queries, on copies of the pods, so neither waits for the other and the DNS records (fed from the queries)
// do not wait for its API writes.
type demotion struct {
	done chan struct{}
	pods map[string]*corev1.Pod // the patched copies; nil for a pod that no longer exists
	err  error
}

func (l *loop) startDemotion(ctx context.Context, pods map[string]*corev1.Pod) *demotion {
	d := &demotion{done: make(chan struct{}), pods: map[string]*corev1.Pod{}}
	for name, pod := range pods {
		if !mysqldRunning(pod) || restartedSinceOnline(pod) {
			d.pods[name] = pod.DeepCopy()
		}
	}
	go func() {
		defer close(d.done)
		d.err = l.demote(ctx, d.pods)
	}()
	return d
}

func (l *loop) demote(ctx context.Context, pods map[string]*corev1.Pod) error {
	for name, pod := range pods {
		err := l.setRole(ctx, pod, "", false)
		if err == nil {
			err = l.setGate(ctx, pod, false, "Restarted")
		}
		if apierrors.IsNotFound(err) {
			pods[name] = nil // deleted since the cache listed it: nothing left to demote
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finish waits for the demotion and puts the patched pods into o, so the pass publishes from what it wrote.
func (d *demotion) finish(o *observation) error {
	<-d.done
	for name, pod := range d.pods {
		if pod == nil {
			delete(o.pods, name)
		} else {
			o.pods[name] = pod
		}
	}
	return d.err
}
