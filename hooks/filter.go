package hooks

import (
	"path"
	"slices"
	"strings"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// defaultEvents are the events accepted when a hook lists none (the API's default).
var defaultEvents = []string{"push", "Push Hook"}

// eventAccepted reports whether the hook's filters take the event type.
func eventAccepted(f v1.HookFilters, event string) bool {
	events := f.Events
	if len(events) == 0 {
		events = defaultEvents
	}
	return slices.Contains(events, event)
}

// pushAccepted reports whether the hook's filters take the push: not a deletion, the ref matching one of the
// ref patterns (when any) and a file matching one of the path patterns (when any).
func pushAccepted(f v1.HookFilters, p Push) bool {
	if p.Deleted {
		return false
	}
	if len(f.Refs) > 0 && !slices.ContainsFunc(f.Refs, func(pat string) bool { return match(pat, p.Ref) }) {
		return false
	}
	if len(f.Paths) == 0 {
		return true
	}
	return slices.ContainsFunc(p.Files, func(file string) bool {
		return slices.ContainsFunc(f.Paths, func(pat string) bool { return match(pat, file) })
	})
}

// match is path.Match, and a pattern ending in "/**" also takes everything below its folder.
func match(pattern, name string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/**"); ok {
		return strings.HasPrefix(name, dir+"/")
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}
