package podrunner

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LogTails returns the last lines of every container log of the namespace's pods, those deleted included (their
// logs stay until Stop), each under a header naming the pod, its UID, the container and the run; for a failing
// test's output.
func (r *Runner) LogTails(namespace string, lines int) string {
	dirs, _ := filepath.Glob(filepath.Join(r.dir, "logs", namespace+"_*"))
	var b strings.Builder
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.log"))
		slices.Sort(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			rel, _ := filepath.Rel(filepath.Join(r.dir, "logs"), f)
			fmt.Fprintf(&b, "--- %s ---\n%s\n", rel, lastLines(string(data), lines))
		}
	}
	return b.String()
}

func lastLines(s string, n int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-n):], "\n")
}
