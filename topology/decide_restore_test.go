package topology

import "testing"

// An in-place restore's fence: while it holds the members nothing is planned, whatever their state; once it
// hands the first member back (the loop then asks a forced reboot from it with errant wipes allowed), the group
// reboots from the restored member even though the others hold more transactions.
func TestDecideInPlaceRestore(t *testing.T) {
	hold := func(r *Requests) { r.RestoreHold = true }
	reform := func(r *Requests) { r.ForceRebootFrom, r.AllowErrantWipe = "mysql-0", true }
	restored := func() *builder { // mysql-0 wiped and loaded: few transactions; the others kept the old ones
		return newCluster(3, 3).gtid(g("1-10"), 0).gtid(g("1-120"), 1, 2)
	}
	runRows(t, []row{
		{
			name:  "fenced while the group still runs: no action",
			obs:   newCluster(3, 3).group("1:3", 0, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).req(hold).obs(),
			state: ClusterOnline, first: "none", reason: ReasonWaitingForRestore,
		},
		{
			name:  "fenced, every member out of the group: no reboot",
			obs:   restored().req(hold).obs(),
			state: ClusterOffline, first: "none", reason: ReasonWaitingForRestore,
		},
		{
			name:  "handed back: reboot from the restored member, not the most advanced",
			obs:   restored().req(reform).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-0", reason: ReasonRebooting,
		},
		{
			name:  "rebooted on the restored member: the others' old transactions are errant and wiped by a clone",
			obs:   restored().group("2:1", 0, 0).req(reform).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-1", reason: ReasonErrantTransactions,
		},
	})
}
