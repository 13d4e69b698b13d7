package serviceproxy

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

// ServiceAddress is how a pod names a Service port in Options.MapFile: "<service>.<namespace>.svc:<port>", the
// name cluster DNS resolves from any namespace.
func ServiceAddress(namespace, service string, port int32) string {
	return fmt.Sprintf("%s.%s.svc:%d", service, namespace, port)
}

// addresses maps the ServiceAddress of every listening port to where it listens.
func (p *Proxy) addresses() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for k, f := range p.fwd {
		if a := f.addr(); a != "" {
			out[ServiceAddress(k.namespace, k.service, k.port)] = a
		}
	}
	return out
}

// writeMapFile publishes the listening ports in Options.MapFile when they changed (memberdial.LoopbackFile's
// format), through a rename so that a reader never sees half a file.
func (p *Proxy) writeMapFile() error {
	if p.opts.MapFile == "" {
		return nil
	}
	m := p.addresses()
	if p.written != nil && maps.Equal(m, p.written) {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("serviceproxy: encode the map: %w", err)
	}
	tmp := p.opts.MapFile + ".tmp"
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return fmt.Errorf("serviceproxy: make the map's folder: %w", err)
	}
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("serviceproxy: write the map: %w", err)
	}
	if err := os.Rename(tmp, p.opts.MapFile); err != nil {
		return fmt.Errorf("serviceproxy: publish the map: %w", err)
	}
	p.written = m
	return nil
}
