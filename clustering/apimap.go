package clustering

import (
	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/topology"
)

// apiStates maps every topology cluster state to the API's (TestAPIMappingsAreExhaustive iterates them all).
var apiStates = map[topology.ClusterState]v1.ClusterState{
	topology.ClusterPending:           v1.ClusterStatePending,
	topology.ClusterInitializing:      v1.ClusterStateInitializing,
	topology.ClusterOnline:            v1.ClusterStateOnline,
	topology.ClusterOnlinePartial:     v1.ClusterStateOnlinePartial,
	topology.ClusterOnlineUncertain:   v1.ClusterStateOnlineUncertain,
	topology.ClusterNoQuorum:          v1.ClusterStateNoQuorum,
	topology.ClusterNoQuorumUncertain: v1.ClusterStateNoQuorumUncertain,
	topology.ClusterSplitBrain:        v1.ClusterStateSplitBrain,
	topology.ClusterOffline:           v1.ClusterStateOffline,
	topology.ClusterOfflineUncertain:  v1.ClusterStateOfflineUncertain,
	topology.ClusterUnknown:           v1.ClusterStateUnknown,
	topology.ClusterFinalizing:        v1.ClusterStateFinalizing,
}

// apiReasons maps every topology reason to its typed API condition reason.
var apiReasons = map[topology.Reason]v1.ConditionReason{
	topology.ReasonOnline:               v1.ReasonOnline,
	topology.ReasonPartiallyOnline:      v1.ReasonPartiallyOnline,
	topology.ReasonPodsPending:          v1.ReasonPodsPending,
	topology.ReasonBootstrapping:        v1.ReasonBootstrapping,
	topology.ReasonQuorumLost:           v1.ReasonQuorumLost,
	topology.ReasonForcingQuorum:        v1.ReasonForcingQuorum,
	topology.ReasonRecoveryBlocked:      v1.ReasonRecoveryBlocked,
	topology.ReasonRebooting:            v1.ReasonRebooting,
	topology.ReasonMemberRecovering:     v1.ReasonMemberRecovering,
	topology.ReasonMemberJoining:        v1.ReasonMemberJoining,
	topology.ReasonMemberRejoining:      v1.ReasonMemberRejoining,
	topology.ReasonMemberCloning:        v1.ReasonMemberCloning,
	topology.ReasonMemberExpelPending:   v1.ReasonMemberExpelPending,
	topology.ReasonErrantTransactions:   v1.ReasonErrantTransactions,
	topology.ReasonSwitchoverInProgress: v1.ReasonSwitchoverInProgress,
	topology.ReasonSwitchoverBlocked:    v1.ReasonSwitchoverBlocked,
	topology.ReasonSwitchoverDone:       v1.ReasonSwitchoverDone,
	topology.ReasonScalingDown:          v1.ReasonScalingDown,
	topology.ReasonUpgradeInProgress:    v1.ReasonUpgradeInProgress,
	topology.ReasonMembersUnreachable:   v1.ReasonMembersUnreachable,
	topology.ReasonNoPrimary:            v1.ReasonNoPrimary,
	topology.ReasonViewsDisagree:        v1.ReasonViewsDisagree,
	topology.ReasonSplitBrain:           v1.ReasonSplitBrain,
	topology.ReasonGTIDUnreadable:       v1.ReasonGTIDUnreadable,
	topology.ReasonInvalidObservation:   v1.ReasonInvalidObservation,
	topology.ReasonDeleting:             v1.ReasonDeleting,
	topology.ReasonMemberIsolated:       v1.ReasonMemberIsolated,
	topology.ReasonResettingVariables:   v1.ReasonResettingVariables,
	topology.ReasonRotatingCredentials:  v1.ReasonRotatingCredentials,
	topology.ReasonRebalancing:          v1.ReasonRebalancing,
	topology.ReasonRebalanceDone:        v1.ReasonRebalanceDone,
	topology.ReasonWaitingForRestore:    v1.ReasonWaitingForRestore,
}

// apiState is the API cluster state of a topology state; UNKNOWN for one the map lacks (the test forbids it).
func apiState(s topology.ClusterState) v1.ClusterState {
	if st, ok := apiStates[s]; ok {
		return st
	}
	return v1.ClusterStateUnknown
}

// apiReason is the API reason of a topology reason; InvalidObservation for one the map lacks (the test
// forbids it).
func apiReason(r topology.Reason) v1.ConditionReason {
	if ar, ok := apiReasons[r]; ok {
		return ar
	}
	return v1.ReasonInvalidObservation
}
