package pitrwatch

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/internal/clusterstatus"
)

// reason maps the chain's health to the condition's typed reason.
func reason(r pitr.HealthReason) v1.ConditionReason {
	switch r {
	case pitr.HealthContinuous:
		return v1.ReasonChainContinuous
	case pitr.HealthArchiveEmpty:
		return v1.ReasonArchiveEmpty
	case pitr.HealthArchiverDown:
		return v1.ReasonArchiverDown
	case pitr.HealthExpiryTooShort:
		return v1.ReasonBinlogExpiryTooShort
	case pitr.HealthReason(pitr.GapSegmentMissing):
		return v1.ReasonSegmentMissing
	case pitr.HealthReason(pitr.GapIndexMissing):
		return v1.ReasonIndexMissing
	case pitr.HealthReason(pitr.GapNotArchived):
		return v1.ReasonBinlogNotArchived
	}
	return v1.ReasonArchiveUnreadable
}

// applyHealth writes the chain's health into status.pitr and PITRChainHealthy.
func applyHealth(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus, h pitr.Health) {
	p := &v1.PITRStatus{LatestGTIDSet: h.LatestSet, RestorableSince: int64(h.Since), Segments: int32(h.Segments),
		LatestRestorableTime: timeOrNil(h.Latest), LastArchivedAt: timeOrNil(h.LastArchivedAt)}
	s.PITR = p
	status := metav1.ConditionFalse
	if h.Healthy {
		status = metav1.ConditionTrue
	}
	clusterstatus.SetCondition(s, c.Generation, v1.ConditionPITRChainHealthy, status, reason(h.Reason), h.Message)
}

// applyUnreadable keeps the last status.pitr and makes the condition Unknown: the archive could not be read.
func applyUnreadable(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus, msg string) {
	clusterstatus.SetCondition(s, c.Generation, v1.ConditionPITRChainHealthy, metav1.ConditionUnknown,
		v1.ReasonArchiveUnreadable, msg)
}

// applyDisabled drops status.pitr and the condition of a cluster without PITR.
func applyDisabled(_ *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
	s.PITR = nil
	meta.RemoveStatusCondition(&s.Conditions, string(v1.ConditionPITRChainHealthy))
}

func timeOrNil(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}
