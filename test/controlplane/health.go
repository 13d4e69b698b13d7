package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthCheck polls one URL of one process until it answers 200.
type healthCheck struct {
	proc   *Process
	url    string
	token  string
	client *http.Client
}

func newHTTPClient(caPEM []byte) *http.Client {
	tr := &http.Transport{Proxy: nil} // loopback only: never through a proxy
	if caPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}
}

// wait returns nil once the URL answers 200; it fails early when the process exits.
func (h healthCheck) wait(ctx context.Context) error {
	var last error
	for {
		if err := h.proc.ExitErr(); err != nil {
			return startError(h.proc, err)
		}
		if last = h.probe(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return startError(h.proc, fmt.Errorf("%s not healthy at %s: %w (last: %w)",
				h.proc.Name(), h.url, ctx.Err(), last))
		case <-h.proc.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (h healthCheck) probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return fmt.Errorf("make request: %w", err)
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}

// startError adds the tail of the process's log to err.
func startError(p *Process, err error) error {
	return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, p.LogPath(), p.LogTail(30))
}
