package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// readableDeliveryID is a delivery id usable as it is in an object name (GitHub's and GitLab's UUIDs).
var readableDeliveryID = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// maxRunName keeps run names usable as label values (the migration Pod is labelled with its run).
const maxRunName = 63

// MigrationRunName is the name of the run for a hook's delivery: <hook>-<delivery id> when the id is a
// lowercase DNS label that fits, else <hook>-h<30 hex digits of its SHA-256>. It is a pure function of its
// arguments, so a redelivery maps to the run it created before: the name is the dedup key.
func MigrationRunName(hook, deliveryID string) string {
	if readableDeliveryID.MatchString(deliveryID) && len(hook)+1+len(deliveryID) <= maxRunName {
		return hook + "-" + deliveryID
	}
	sum := sha256.Sum256([]byte(deliveryID))
	return hook + "-h" + hex.EncodeToString(sum[:15])
}

// maxBackupName leaves room for the backup's Jobs, <backup>-backup and <backup>-verify, within 63 characters.
const maxBackupName = 56

// MigrationRunBackupName is the name of a run's pre-migration MySQLBackup: <run>-pre when it fits, else the
// run's name cut to leave room for 10 hex digits of its SHA-256, so two long run names do not collide.
func MigrationRunBackupName(run string) string {
	if len(run)+len("-pre") <= maxBackupName {
		return run + "-pre"
	}
	sum := sha256.Sum256([]byte(run))
	head := strings.TrimRight(run[:maxBackupName-len("-0123456789-pre")], "-")
	return head + "-" + hex.EncodeToString(sum[:5]) + "-pre"
}
