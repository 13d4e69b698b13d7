package podrunner

import (
	"path"
	"sort"
	"strings"
)

// mount is one volumeMount of a container: the path the program expects and the folder (or file, with a
// subPath) of the pod where the runner materialised the volume.
type mount struct {
	Path string // in the container, cleaned, never "/"
	Host string // on this machine
}

// pathRewriter replaces mount paths in the strings a program gets (arguments, environment values, working
// folder) by the folders the runner materialised them in: a process cannot see a volume at its mount path
// without a mount namespace. A mount path is replaced where it starts a path: at the start of the string or after
// '=', ':', ',', ';', '@', a space or a quote (--template-dir=/orca/mycnf, PATH-like lists), and only when it is
// the whole path or followed by '/' or one of those separators (so /orca/mycnf2 stays). The longest mount path
// wins (nested mounts).
type pathRewriter struct{ mounts []mount }

func newPathRewriter(mounts []mount) pathRewriter {
	ms := make([]mount, 0, len(mounts))
	for _, m := range mounts {
		if p := path.Clean("/" + m.Path); p != "/" {
			ms = append(ms, mount{Path: p, Host: m.Host})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].Path) > len(ms[j].Path) })
	return pathRewriter{mounts: ms}
}

func startsPath(c byte) bool { return strings.IndexByte("=:,;@ \"'", c) >= 0 }
func endsPath(c byte) bool   { return c == '/' || strings.IndexByte(":,; \"'", c) >= 0 }

// rewrite returns s with every mount path replaced.
func (r pathRewriter) rewrite(s string) string {
	if len(r.mounts) == 0 || !strings.Contains(s, "/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i == 0 || startsPath(s[i-1]) {
			if m, ok := r.mountAt(s[i:]); ok {
				b.WriteString(m.Host)
				i += len(m.Path)
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func (r pathRewriter) mountAt(rest string) (mount, bool) {
	for _, m := range r.mounts {
		if strings.HasPrefix(rest, m.Path) && (len(rest) == len(m.Path) || endsPath(rest[len(m.Path)])) {
			return m, true
		}
	}
	return mount{}, false
}

func (r pathRewriter) rewriteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = r.rewrite(s)
	}
	return out
}
