package topology

import (
	"strconv"
	"strings"
)

// serverVersion is a MySQL version as major, minor, patch.
type serverVersion [3]int

// parseVersion reads "8.4.6", "8.4.6-log" or "8.4.6-commercial"; anything after the patch number is
// ignored because Group Replication compares versions by number only.
func parseVersion(s string) (serverVersion, bool) {
	var v serverVersion
	num, _, _ := strings.Cut(strings.TrimSpace(s), "-")
	parts := strings.Split(num, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// compareVersions orders two version strings; ok is false when either does not parse.
func compareVersions(a, b string) (cmp int, ok bool) {
	va, okA := parseVersion(a)
	vb, okB := parseVersion(b)
	if !okA || !okB {
		return 0, false
	}
	for i := range va {
		if va[i] != vb[i] {
			if va[i] < vb[i] {
				return -1, true
			}
			return 1, true
		}
	}
	return 0, true
}

// sameSeries reports whether two versions share major and minor (8.4.x): clone needs donor and
// recipient in one release series.
func sameSeries(a, b string) bool {
	va, okA := parseVersion(a)
	vb, okB := parseVersion(b)
	return okA && okB && va[0] == vb[0] && va[1] == vb[1]
}
