package main

import (
	"context"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
)

// pointReport is `orca restore --restore-point`'s summary: the restore's, and the point the replay reached.
type pointReport struct {
	backup.RestoreReport
	// RestorePoint is what was asked; Reached what the replay of the archive got to.
	RestorePoint string        `json:"restorePoint,omitempty"`
	Reached      *pitr.Reached `json:"reached,omitempty"`
}

// runPointRestore checks that the archive reaches the point from the backup before anything is restored,
// restores the backup (verified against its manifest when asked: before the replay changes the data), then
// replays the archive to the point.
func runPointRestore(ctx context.Context, o backup.RestoreOptions, rf restoreFlags, cluster backup.Store,
	point string) (pointReport, error) {
	rep := pointReport{RestorePoint: point}
	p, err := pitr.ParsePoint(point)
	if err != nil {
		rep.Fail(err)
		return rep, err
	}
	m, err := backup.LoadManifest(ctx, o.Store)
	if err != nil {
		rep.Fail(err)
		return rep, err
	}
	plan, err := pitr.Check(ctx, cluster, m.Position.GTIDSet, p)
	if err != nil {
		rep.Fail(err)
		return rep, err
	}
	if rep.RestoreReport, err = runRestore(ctx, o, rf); err != nil {
		return rep, err
	}
	reached, err := pitr.Replay(ctx, pitr.ReplayOptions{Store: cluster, Plan: plan, Target: o.Target, Log: o.Log,
		TLSCAFile: rf.tls.caFile, TLSServerName: rf.tls.serverName})
	rep.Reached = &reached
	if err != nil {
		rep.Fail(err)
	}
	return rep, err
}
