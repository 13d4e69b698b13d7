package simworld

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// clusterFor returns a cluster's group, creating it (and starting its listeners) for its first member.
func (w *World) clusterFor(key clusterKey) (*cluster, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.clusters[key]; c != nil {
		return c, nil
	}
	cfg := w.opts.Sim
	if w.opts.DataDSN != "" {
		cfg.DataDSN = w.opts.DataDSN
	}
	g, err := mysqlsim.NewGroup(cfg)
	if err != nil {
		return nil, fmt.Errorf("create group of %s/%s: %w", key.Namespace, key.Name, err)
	}
	fe := &mysqlsim.Frontends{Group: g, Logger: w.log.WithValues("cluster", key.Namespace+"/"+key.Name)}
	if err := fe.Start(); err != nil {
		_ = g.Close()
		return nil, fmt.Errorf("start listeners of %s/%s: %w", key.Namespace, key.Name, err)
	}
	ctx, stop := context.WithCancel(w.runCtx)
	c := &cluster{group: g, fe: fe, stopWatch: stop, watchEnded: make(chan struct{})}
	go func() {
		defer close(c.watchEnded)
		w.watchGroup(ctx, key.Namespace, g)
	}()
	w.clusters[key] = c
	return c, nil
}

// wipe deletes the member with its data (its claim is gone). The cluster's group goes with its last member.
func (w *World) wipe(key types.NamespacedName) error {
	rec := w.record(key)
	if err := w.unpublish(key); err != nil {
		return err
	}
	w.mu.Lock()
	c := w.clusters[rec.cluster]
	w.mu.Unlock()
	if err := c.group.RemoveMember(rec.sim.Name()); err != nil {
		return err
	}
	// The listeners close asynchronously; a successor on the same address must not race them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, _, open := c.fe.Addrs(rec.sim); !open {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("listeners of removed member %s still open after 10s", key)
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.members, key)
	delete(w.tombstones, key)
	w.log.Info("member data deleted with its claim", "member", key.String(), "serverUUID", rec.sim.UUID())
	for _, m := range w.members {
		if m.cluster == rec.cluster {
			return nil
		}
	}
	c.close()
	delete(w.clusters, rec.cluster)
	return nil
}

// publish maps the member's DNS name and pod name to its loopback address.
func (w *World) publish(key types.NamespacedName) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	rec := w.members[key]
	if rec == nil {
		return nil
	}
	changed := false
	for _, name := range rec.names {
		if w.published[name] == rec.cfg.Host {
			continue
		}
		if err := w.dialer.Set(name, rec.cfg.Host); err != nil {
			return err
		}
		w.published[name] = rec.cfg.Host
		changed = true
	}
	if !changed {
		return nil
	}
	w.log.V(1).Info("member published", "member", key.String(), "names", rec.names, "address", rec.cfg.Host)
	return w.writeMapFileLocked()
}

// unpublish removes the member's names from the dialer (the pod is gone, so is its DNS record). A name another
// member took over since (the same pod name in another namespace) stays.
func (w *World) unpublish(key types.NamespacedName) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	rec := w.members[key]
	if rec == nil {
		return nil
	}
	changed := false
	for _, name := range rec.names {
		if addr, ok := w.published[name]; ok && addr == rec.cfg.Host {
			w.dialer.Delete(name)
			delete(w.published, name)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	w.log.V(1).Info("member unpublished", "member", key.String(), "names", rec.names)
	return w.writeMapFileLocked()
}

func (w *World) writeMapFile() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeMapFileLocked()
}

// writeMapFileLocked writes the published names as JSON, atomically (a temporary file then a rename), so a
// reader never sees half a map.
func (w *World) writeMapFileLocked() error {
	if w.opts.MapFile == "" {
		return nil
	}
	raw, err := json.MarshalIndent(w.published, "", "  ")
	if err != nil {
		return fmt.Errorf("encode member map: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(w.opts.MapFile), ".members-*.json")
	if err != nil {
		return fmt.Errorf("write member map: %w", err)
	}
	_, err = tmp.Write(append(raw, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.opts.MapFile)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write member map %s: %w", w.opts.MapFile, err)
	}
	return nil
}
