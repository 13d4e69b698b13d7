package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// reply is the JSON body of every answer.
type reply struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Run     string `json:"run,omitempty"`
}

// delivery is a signed request, before its payload is read.
type delivery struct {
	id, event string
	body      []byte
	header    http.Header
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ns, name, rep, id := s.receive(r)
	w.Header().Set("Content-Type", "application/json")
	if rep.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	if rep.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(rep.Status)
	_ = json.NewEncoder(w).Encode(rep)
	s.Logger.V(1).Info("delivery", "namespace", ns, "hook", name, "deliveryId", id, "status", rep.Status,
		"run", rep.Run, "reason", rep.Message, "duration", time.Since(start))
}

// receive answers one request: method, path, hook, rate, size, signature, filters, payload, then the run.
func (s *Server) receive(r *http.Request) (ns, name string, rep reply, id string) {
	ns, name, ok := hookPath(r.URL.Path)
	if !ok {
		return ns, name, reply{Status: http.StatusNotFound, Message: "no such hook path"}, ""
	}
	if r.Method != http.MethodPost {
		return ns, name, reply{Status: http.StatusMethodNotAllowed, Message: "only POST"}, ""
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.StoreTimeout)
	defer cancel()
	hook, err := s.Store.Hook(ctx, ns, name)
	switch {
	case errors.Is(err, ErrHookNotFound):
		return ns, name, reply{Status: http.StatusNotFound, Message: "unknown hook"}, ""
	case err != nil:
		s.Logger.Error(err, "hook lookup failed", "namespace", ns, "hook", name)
		return ns, name, reply{Status: http.StatusServiceUnavailable, Message: "hook unavailable"}, ""
	}
	if !s.limits.allow(ns+"/"+name, hook.Spec.RateLimit) {
		return ns, name, reply{Status: http.StatusTooManyRequests, Message: "rate limited"}, ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return ns, name, reply{Status: http.StatusRequestEntityTooLarge, Message: "body over the limit"}, ""
	case err != nil:
		return ns, name, reply{Status: http.StatusBadRequest, Message: "body unreadable"}, ""
	}
	d, rep := s.authenticate(ctx, hook, r.Header, body)
	if rep.Status != 0 {
		return ns, name, rep, d.id
	}
	return ns, name, s.accept(ctx, hook, d), d.id
}

// hookPath splits /hooks/<namespace>/<name>.
func hookPath(p string) (ns, name string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/hooks/")
	if !ok {
		return "", "", false
	}
	ns, name, ok = strings.Cut(rest, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return ns, name, true
}

// authenticate checks the signature the hook's provider sends and finds the delivery id and event type. A
// signature that does not match is checked once more against the Secret read again, in case it was just rotated.
// A zero reply means the delivery is authentic.
func (s *Server) authenticate(ctx context.Context, h Hook, hdr http.Header, body []byte) (delivery, reply) {
	d, err := s.verify(h, hdr, body)
	if errors.Is(err, errSignature) {
		if fresh, changed, rerr := s.Store.Reread(ctx, h); rerr != nil {
			s.Logger.Error(rerr, "signing secret not read again", "namespace", h.Namespace, "hook", h.Name)
		} else if changed {
			d, err = s.verify(fresh, hdr, body)
		}
	}
	if err != nil {
		return d, reply{Status: http.StatusUnauthorized, Message: unauthorizedMessage(err)}
	}
	if d.id == "" || len(d.id) > 255 {
		return d, reply{Status: http.StatusBadRequest, Message: "no delivery id (or one over 255 bytes)"}
	}
	return d, reply{}
}

// verify checks the delivery's signature with the hook's secret and reads its id and event type.
func (s *Server) verify(h Hook, hdr http.Header, body []byte) (delivery, error) {
	d := delivery{body: body, header: hdr}
	var err error
	switch h.Spec.Provider {
	case v1.ProviderGitLab:
		d.event = hdr.Get("X-Gitlab-Event")
		if hdr.Get("Webhook-Signature") != "" {
			d.id = hdr.Get("Webhook-Id")
			err = verifyStandard(h.Secret, standardFrom(hdr), body, s.Now())
		} else {
			d.id = hdr.Get("Idempotency-Key")
			err = verifyToken(h.Secret, hdr.Get("X-Gitlab-Token"))
		}
	case v1.ProviderGeneric:
		d.id = hdr.Get("Webhook-Id")
		err = verifyStandard(h.Secret, standardFrom(hdr), body, s.Now())
	default:
		d.id, d.event = hdr.Get("X-GitHub-Delivery"), hdr.Get("X-GitHub-Event")
		err = verifyGitHub(h.Secret, body, hdr.Get("X-Hub-Signature-256"))
	}
	return d, err
}

func standardFrom(h http.Header) standardHeaders {
	return standardHeaders{id: h.Get("Webhook-Id"), timestamp: h.Get("Webhook-Timestamp"),
		signature: h.Get("Webhook-Signature")}
}

func unauthorizedMessage(err error) string {
	switch {
	case errors.Is(err, errUnsigned):
		return "no signature"
	case errors.Is(err, errStale):
		return "timestamp outside the 5-minute window"
	default:
		return "bad signature"
	}
}

// accept filters an authentic delivery, reads its push and stores its run. GitHub's and GitLab's event types are
// in a header and filtered before the payload is read (a ping is answered 204, whatever its body).
func (s *Server) accept(ctx context.Context, h Hook, d delivery) reply {
	if h.Spec.Provider != v1.ProviderGeneric && !eventAccepted(h.Spec.Filters, d.event) {
		return reply{Status: http.StatusNoContent, Message: "event filtered out"}
	}
	push, event, err := readPush(h.Spec.Provider, d)
	if err != nil {
		return reply{Status: http.StatusBadRequest, Message: err.Error()}
	}
	if !eventAccepted(h.Spec.Filters, event) || !pushAccepted(h.Spec.Filters, push) {
		return reply{Status: http.StatusNoContent, Message: "filtered out"}
	}
	run := newRun(h, d.id, event, push)
	created, err := s.Store.CreateRun(ctx, run)
	switch {
	case errors.Is(err, ErrRunRejected):
		return reply{Status: http.StatusBadRequest, Message: "the API server refused the run", Run: run.Name}
	case err != nil:
		s.Logger.Error(err, "run not stored", "namespace", h.Namespace, "hook", h.Name, "deliveryId", d.id)
		return reply{Status: http.StatusServiceUnavailable, Message: "run not stored; deliver again", Run: run.Name}
	case created:
		return reply{Status: http.StatusAccepted, Message: "run created", Run: run.Name}
	default:
		return reply{Status: http.StatusOK, Message: "delivery seen before", Run: run.Name}
	}
}

// readPush reads the payload as the provider writes it; event is the delivery's event type.
func readPush(p v1.HookProvider, d delivery) (Push, string, error) {
	var push Push
	var err error
	switch p {
	case v1.ProviderGeneric:
		return parseGenericPush(d.body)
	case v1.ProviderGitLab:
		push, err = parseGitLabPush(d.body)
	default:
		push, err = parseGitHubPush(d.body)
	}
	return push, d.event, err
}

// newRun is the run of an accepted delivery, named from its delivery id.
func newRun(h Hook, id, event string, p Push) *v1.MigrationRun {
	return &v1.MigrationRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: h.Namespace, Name: v1.MigrationRunName(h.Name, id),
			Labels: map[string]string{v1.LabelMigrationHook: h.Name, v1.LabelCluster: h.Spec.ClusterName},
		},
		Spec: v1.MigrationRunSpec{HookName: h.Name, ClusterName: h.Spec.ClusterName, Commit: p.Commit, Ref: p.Ref,
			Sender: p.Sender, DeliveryID: id, Event: truncate(event, 64)},
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
