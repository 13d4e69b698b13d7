package eventrecorder

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/orca-operator/orca/test/envtestutil"
)

// Against a real API server: the first occurrence creates the Event, the repeats' series patches land on it
// (count 4 after four occurrences).
func TestSeriesOnTheAPIServer(t *testing.T) {
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewForConfig(cfg, hc, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = b.Start(ctx) }()
	cs := kubernetes.NewForConfigOrDie(cfg)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "events"}}
	if ns, err = cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rec := b.Recorder(clientgoscheme.Scheme, "orca-test")
	for range 4 {
		rec.Eventf(ns, nil, corev1.EventTypeNormal, "Tested", "Test", "a note")
	}
	waitForSeries(t, cs, 4)
}

func waitForSeries(t *testing.T, cs kubernetes.Interface, count int32) {
	t.Helper()
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		list, err := cs.EventsV1().Events(metav1.NamespaceDefault).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if last = seriesOf(list.Items, count); last == nil {
			return
		}
	}
	t.Fatal(last)
}

func seriesOf(items []eventsv1.Event, count int32) error {
	if len(items) != 1 {
		return fmt.Errorf("%d events, want 1", len(items))
	}
	if s := items[0].Series; s == nil || s.Count != count {
		return fmt.Errorf("series %+v, want count %d", s, count)
	}
	return nil
}
