package hooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("hooks: server closed")

// Server receives MigrationHook deliveries. Set the fields, call Serve with a listener, and Shutdown to stop.
// The zero value of every field but Store is its documented default.
type Server struct {
	// Store finds hooks and stores runs. Required: KubeStore in the operator.
	Store Store
	// MaxBodyBytes bounds a delivery's body; a larger one is answered 413. Default 1 MiB.
	MaxBodyBytes int64
	// StoreTimeout bounds the hook lookup and the run's creation; past it the delivery is answered 503.
	// Default 5s (GitHub gives up on a delivery after 10 s).
	StoreTimeout time.Duration
	// ReadTimeout bounds reading a request, headers and body. Default 10s.
	ReadTimeout time.Duration
	// Now is the clock Standard Webhooks timestamps are checked against. Default time.Now.
	Now func() time.Time
	// Logger receives one line per delivery with the keys namespace, hook, deliveryId, status and run; never a
	// secret or a body. Default: discards.
	Logger logr.Logger
	// NotifyStartedFunc, for tests, is called when Serve starts accepting.
	NotifyStartedFunc func()

	once   sync.Once
	limits limiters
	mu     sync.Mutex
	srv    *http.Server
	closed bool
}

func (s *Server) setup() {
	s.once.Do(func() {
		if s.MaxBodyBytes <= 0 {
			s.MaxBodyBytes = 1 << 20
		}
		if s.StoreTimeout <= 0 {
			s.StoreTimeout = 5 * time.Second
		}
		if s.ReadTimeout <= 0 {
			s.ReadTimeout = 10 * time.Second
		}
		if s.Now == nil {
			s.Now = time.Now
		}
	})
}

// Handler is the receiver as an http.Handler, for embedding it in another server.
func (s *Server) Handler() http.Handler {
	s.setup()
	return http.HandlerFunc(s.serveHTTP)
}

// Serve answers deliveries on l until Shutdown; it returns ErrServerClosed then.
func (s *Server) Serve(l net.Listener) error {
	s.setup()
	s.mu.Lock()
	if s.closed || s.srv != nil {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: s.ReadTimeout, ReadTimeout: s.ReadTimeout,
		WriteTimeout: s.StoreTimeout + s.ReadTimeout, IdleTimeout: 2 * time.Minute}
	srv := s.srv
	s.mu.Unlock()
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve hooks on %s: %w", l.Addr(), err)
	}
	return ErrServerClosed
}

// Shutdown stops accepting and waits for the deliveries in progress to be answered, or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down hooks server: %w", err)
	}
	return nil
}
