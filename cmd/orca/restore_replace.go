package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
)

// replacer builds the step of an in-place restore that runs once the archive's chain was checked: fence every
// other member, then wipe the target. Any member that cannot be fenced ends the run before the target is
// touched: it might still take writes.
func replacer(srv serverFlags, hosts []string, target backup.Server, log logr.Logger) (func(context.Context) error,
	error) {
	fences := make([]backup.Server, 0, len(hosts))
	for _, h := range hosts {
		s, err := fenceServer(srv, h)
		if err != nil {
			return nil, err
		}
		fences = append(fences, s)
	}
	return func(ctx context.Context) error {
		for _, s := range fences {
			if err := backup.Fence(ctx, s); err != nil {
				return fmt.Errorf("nothing was replaced: %w", err)
			}
			log.Info("member fenced", "member", s.Addr)
		}
		if err := backup.Fence(ctx, target); err != nil {
			return fmt.Errorf("nothing was replaced: %w", err)
		}
		dropped, err := backup.Wipe(ctx, target)
		if err != nil {
			return err
		}
		log.Info("target wiped", "member", target.Addr, "schemasDropped", len(dropped))
		return nil
	}, nil
}

// fenceServer is the server of a --fence-host: the target's flags with that host (and port, when given); a TLS
// name that was the target's host becomes this one's.
func fenceServer(srv serverFlags, hostPort string) (backup.Server, error) {
	host, port := hostPort, srv.port
	if h, p, err := net.SplitHostPort(hostPort); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil {
			return backup.Server{}, fmt.Errorf("--fence-host %s: port: %w", hostPort, perr)
		}
		host, port = h, n
	}
	target := srv.host
	srv.host, srv.port = host, port
	s, err := srv.server()
	if err != nil {
		return s, fmt.Errorf("--fence-host %s: %w", hostPort, err)
	}
	if s.TLS != nil && s.TLS.ServerName == target {
		s.TLS.ServerName = host
	}
	return s, nil
}
