package hooks

import (
	"sync"

	"golang.org/x/time/rate"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Default rate limit of a hook whose spec leaves it unset (the API's defaults).
const (
	defaultPerMinute = 600
	defaultBurst     = 100
)

// limiters hold one token bucket per hook, rebuilt when the hook's limits change.
type limiters struct {
	mu sync.Mutex
	m  map[string]*hookLimiter
}

type hookLimiter struct {
	spec v1.HookRateLimit
	lim  *rate.Limiter
}

// allow takes a token from the hook's bucket.
func (l *limiters) allow(key string, spec v1.HookRateLimit) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*hookLimiter{}
	}
	h := l.m[key]
	if h == nil || h.spec != spec {
		per, burst := int(spec.PerMinute), int(spec.Burst)
		if per <= 0 {
			per = defaultPerMinute
		}
		if burst <= 0 {
			burst = defaultBurst
		}
		h = &hookLimiter{spec: spec, lim: rate.NewLimiter(rate.Limit(float64(per)/60), burst)}
		l.m[key] = h
	}
	return h.lim.Allow()
}
