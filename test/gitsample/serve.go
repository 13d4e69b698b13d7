package gitsample

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"strings"
)

// Handler serves the repositories under root over git's smart HTTP (git http-backend, read-only), as a git host
// does: a Repo built at root/<name> clones from <server>/<name>.
func Handler(root string) (http.Handler, error) {
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("git --exec-path (install git: hack/peers.sh): %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	return &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}, nil
}

// DaemonArgs are the arguments of `git daemon` serving the repositories under root, read-only, on
// 127.0.0.1:port: a Repo built at root/<name> clones from git://127.0.0.1:<port>/<name>.
func DaemonArgs(root string, port int) []string {
	return []string{"daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--base-path=" + root, root}
}
