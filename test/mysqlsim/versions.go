package mysqlsim

import (
	"fmt"
	"strconv"
	"strings"
)

// serverVersion is a MySQL version such as 8.4.6.
type serverVersion struct{ major, minor, patch int }

func parseServerVersion(s string) serverVersion {
	var v serverVersion
	parts := strings.SplitN(s, ".", 3)
	nums := []*int{&v.major, &v.minor, &v.patch}
	for i, p := range parts {
		*nums[i], _ = strconv.Atoi(strings.TrimRightFunc(p, func(r rune) bool { return r < '0' || r > '9' }))
	}
	return v
}

// id is the version as MySQL prints it in upgrade and downgrade messages (8.4.6 is 80406).
func (v serverVersion) id() int { return v.major*10000 + v.minor*100 + v.patch }

func (v serverVersion) series() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v serverVersion) less(o serverVersion) bool { return v.id() < o.id() }

// cloneCompatible says whether a donor's version can be cloned into a recipient's (MySQL 8.4
// manual, 7.6.7.14 "Clone Plugin Limitations"): the same release series since 8.0.37, the same
// point release before.
func cloneCompatible(donor, recipient string) bool {
	d, r := parseServerVersion(donor), parseServerVersion(recipient)
	if d.series() != r.series() {
		return false
	}
	if d.series() == "8.0" && (d.patch < 37 || r.patch < 37) {
		return d.patch == r.patch
	}
	return true
}

// downgradeAllowed says whether a server can boot on a data directory a newer version of its
// series last ran (MySQL 8.4 manual, "Downgrading MySQL"): within the 8.4 LTS series, and within
// 8.0 down to 8.0.35; never to an older series or within an innovation series.
func downgradeAllowed(server, data serverVersion) bool {
	if server.series() != data.series() {
		return false
	}
	switch server.series() {
	case "8.4":
		return true
	case "8.0":
		return server.patch >= 35
	}
	return false
}
