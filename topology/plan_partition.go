package topology

import (
	"fmt"
	"slices"
	"strings"
)

// forcePartition picks the members to force quorum with: the ONLINE members of the largest
// partition, each queried and agreeing on the view. When two partitions are equally large, the one
// whose transactions contain the other's wins; otherwise a human must choose.
func (a *analysis) forcePartition() ([]*memberInfo, *Finding) {
	var best [][]*memberInfo
	seen := map[string]bool{}
	for _, v := range a.minorityViews {
		if seen[v.viewID] {
			continue
		}
		seen[v.viewID] = true
		part := a.partitionMembers(v)
		switch {
		case part == nil:
			continue
		case len(best) == 0 || len(part) > len(best[0]):
			best = [][]*memberInfo{part}
		case len(part) == len(best[0]):
			best = append(best, part)
		}
	}
	if len(best) == 0 {
		return nil, &Finding{Reason: ReasonRecoveryBlocked,
			Message: "no partition has all its ONLINE members queryable and agreeing on their view; " +
				"cannot force quorum"}
	}
	if len(best) == 1 {
		return best[0], nil
	}
	return a.mostAdvancedPartition(best)
}

// partitionMembers maps a minority view's ONLINE entries to queried members in that same view, or
// returns nil when any of them does not check out.
func (a *analysis) partitionMembers(v *perspective) []*memberInfo {
	var out []*memberInfo
	for i := range v.entries {
		e := &v.entries[i]
		if e.State != StateOnline {
			continue
		}
		mi := a.podFor(e)
		if mi == nil || !mi.actionable() || mi.selfState() != StateOnline || mi.Status.ViewID != v.viewID {
			return nil
		}
		out = append(out, mi)
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(x, y *memberInfo) int { return x.Ordinal - y.Ordinal })
	return out
}

// mostAdvancedPartition breaks a tie between equally large partitions by their transactions.
func (a *analysis) mostAdvancedPartition(parts [][]*memberInfo) ([]*memberInfo, *Finding) {
	sets := make([]GTIDSet, len(parts))
	for i, part := range parts {
		for _, mi := range part {
			if !mi.gtidOK {
				return nil, &Finding{Reason: ReasonGTIDUnreadable, Member: mi.Pod,
					Message: fmt.Sprintf("cannot parse the GTID sets of %s to choose a partition", mi.Pod)}
			}
			sets[i] = sets[i].Union(mi.advanced)
		}
	}
	for i := range parts {
		if everyContained(sets, sets[i]) {
			return parts[i], nil
		}
	}
	names := make([]string, len(parts))
	for i, part := range parts {
		names[i] = strings.Join(podNames(part), "+")
	}
	return nil, &Finding{Reason: ReasonRecoveryBlocked, Message: fmt.Sprintf(
		"partitions %s are equally large and their transactions diverge; cannot choose one to force quorum",
		strings.Join(names, " and "))}
}

func everyContained(sets []GTIDSet, in GTIDSet) bool {
	for _, s := range sets {
		if !s.SubsetOf(in) {
			return false
		}
	}
	return true
}
