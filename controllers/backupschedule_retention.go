package controllers

import (
	"fmt"
	"sort"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// retainedBackup is one backup of a schedule, as retention weighs it.
type retainedBackup struct {
	Name    string
	Phase   v1.BackupPhase
	Created time.Time
	// Verifying is true while its restore-verify runs or waits: its objects are being read.
	Verifying bool
}

// expiry is a backup retention deletes and why.
type expiry struct {
	Name   string
	Reason string
}

// planRetention returns the backups of one schedule that expire: complete ones beyond the keepLast newest or
// older than maxAge, failed ones once keepLast newer ones completed or older than maxAge. The newest complete
// backup and every backup still pending, running or being verified are never returned, whatever the limits say.
func planRetention(r *v1.BackupRetention, backups []retainedBackup, now time.Time) []expiry {
	if r == nil || r.KeepLast == nil && r.MaxAge == nil {
		return nil
	}
	sorted := append([]retainedBackup(nil), backups...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Created.Equal(sorted[j].Created) {
			return sorted[i].Created.After(sorted[j].Created)
		}
		return sorted[i].Name > sorted[j].Name
	})
	var out []expiry
	newerComplete := 0
	for _, b := range sorted {
		reason := ""
		switch b.Phase {
		case v1.BackupSucceeded:
			if newerComplete > 0 && !b.Verifying {
				reason = retentionReason(r, b, newerComplete, now)
			}
			newerComplete++
		case v1.BackupFailed:
			reason = retentionReason(r, b, newerComplete, now)
		}
		if reason != "" {
			out = append(out, expiry{Name: b.Name, Reason: reason})
		}
	}
	return out
}

// retentionReason says why a finished backup with newerComplete complete backups after it expires; "" keeps it.
func retentionReason(r *v1.BackupRetention, b retainedBackup, newerComplete int, now time.Time) string {
	if r.KeepLast != nil && newerComplete >= int(*r.KeepLast) {
		return fmt.Sprintf("%d newer backups completed (keepLast %d)", newerComplete, *r.KeepLast)
	}
	if r.MaxAge != nil && now.Sub(b.Created) > r.MaxAge.Duration {
		return fmt.Sprintf("created %s ago (maxAge %s)", now.Sub(b.Created).Round(time.Second), r.MaxAge.Duration)
	}
	return ""
}
