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
	return suffixedName(run, "-pre", maxBackupName)
}

// suffixedName is name+suffix when it fits in limit characters, else the name cut to leave room for 10 hex
// digits of its SHA-256, so two long names do not collide.
func suffixedName(name, suffix string, limit int) string {
	if len(name)+len(suffix) <= limit {
		return name + suffix
	}
	sum := sha256.Sum256([]byte(name))
	head := strings.TrimRight(name[:limit-len("-0123456789")-len(suffix)], "-")
	return head + "-" + hex.EncodeToString(sum[:5]) + suffix
}
