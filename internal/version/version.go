// Package version is the build's version, stamped by the Makefile (-ldflags -X) and read from the Go build info
// otherwise, so every binary can say what it is.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time: -ldflags "-X github.com/orca-operator/orca/internal/version.Version=v0.1.0".
var Version = "dev"

// Info is what `orca version` prints.
type Info struct {
	Version   string
	Revision  string
	Modified  bool
	GoVersion string
}

// Get returns the version with the VCS revision the go command recorded, when it recorded one.
func Get() Info {
	info := Info{Version: Version, GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is "orca <version> (<revision>[-dirty], <go version>)".
func (i Info) String() string {
	rev := i.Revision
	if rev == "" {
		rev = "unknown revision"
	}
	if i.Modified {
		rev += "-dirty"
	}
	return fmt.Sprintf("orca %s (%s, %s)", i.Version, rev, i.GoVersion)
}
