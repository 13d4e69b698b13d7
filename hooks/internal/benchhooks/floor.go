package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// floorRuns is the namespace the floor stores MigrationRuns in (no controller watches it).
const floorRuns = "floor-runs"

// floorName is the object the floor stores for a delivery id.
func floorName(id string) string { return "floor-" + strings.ToLower(id) }

// startFloor serves the floor receiver (POST /<namespace>: HMAC check, one ConfigMap created, 202) and runs the
// floor controller (a watch of floor-live's ConfigMaps creating a Pod for each new one).
func startFloor(ctx context.Context, kube client.WithWatch) (string, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(floorStore(r, kube)) })
	if err := floorController(ctx, kube, "floor-live"); err != nil {
		return "", err
	}
	return serve(ctx, h)
}

// floorStore is the least a receiver that stores before it answers does: read the body, check the HMAC,
// create one object named from the delivery id.
func floorStore(r *http.Request, kube client.Client) int {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return http.StatusBadRequest
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Hub-Signature-256"))) {
		return http.StatusUnauthorized
	}
	id := r.Header.Get("X-GitHub-Delivery")
	switch err := kube.Create(r.Context(), floorObject(strings.Trim(r.URL.Path, "/"), id, body)); {
	case err == nil:
		return http.StatusAccepted
	case apierrors.IsAlreadyExists(err):
		return http.StatusOK
	default:
		return http.StatusServiceUnavailable
	}
}

// floorObject is what the floor stores for a delivery: in floorRuns a MigrationRun of the shape Orca's receiver
// creates (the same kind: the API server's cost of a custom resource), elsewhere a ConfigMap holding the payload.
func floorObject(ns, id string, body []byte) client.Object {
	if ns != floorRuns {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: floorName(id)},
			Data: map[string]string{"deliveryId": id, "payload": string(body)}}
	}
	sum := sha256.Sum256([]byte(id))
	return &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: floorName(id),
		Labels: map[string]string{v1.LabelMigrationHook: "app", v1.LabelCluster: "db"}},
		Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: hex.EncodeToString(sum[:20]),
			Ref: "refs/heads/main", Sender: "octocat", DeliveryID: id, Event: "push"}}
}

// floorController creates a Pod for each ConfigMap its watch sees added in ns.
func floorController(ctx context.Context, kube client.WithWatch, ns string) error {
	w, err := kube.Watch(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns))
	if err != nil {
		return fmt.Errorf("floor watch: %w", err)
	}
	go func() {
		for ev := range w.ResultChan() {
			cm, ok := ev.Object.(*corev1.ConfigMap)
			if !ok || ev.Type != watch.Added || !strings.HasPrefix(cm.Name, "floor-") {
				continue
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: cm.Name},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "migrate", Image: "orca:bench"}}}}
			_ = kube.Create(ctx, pod)
		}
	}()
	return nil
}

// podWatch records when each Pod of its namespaces was first seen.
type podWatch struct {
	mu   sync.Mutex
	seen map[string]time.Time
	wake chan struct{}
}

func watchPods(ctx context.Context, kube client.WithWatch, namespaces ...string) (*podWatch, error) {
	p := &podWatch{seen: map[string]time.Time{}, wake: make(chan struct{}, 1)}
	for _, ns := range namespaces {
		w, err := kube.Watch(ctx, &corev1.PodList{}, client.InNamespace(ns))
		if err != nil {
			return nil, fmt.Errorf("watch pods of %s: %w", ns, err)
		}
		go func() {
			for ev := range w.ResultChan() {
				if pod, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Added {
					p.mu.Lock()
					p.seen[pod.Namespace+"/"+pod.Name] = time.Now()
					p.mu.Unlock()
					select {
					case p.wake <- struct{}{}:
					default:
					}
				}
			}
		}()
	}
	return p, nil
}

// wait returns when the Pod ns/name was first seen, or an error after 60 s.
func (p *podWatch) wait(ns, name string) (time.Time, error) {
	deadline := time.After(60 * time.Second)
	for {
		p.mu.Lock()
		at, ok := p.seen[ns+"/"+name]
		p.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-p.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return time.Time{}, fmt.Errorf("pod %s/%s not seen within 60 s", ns, name)
		}
	}
}
