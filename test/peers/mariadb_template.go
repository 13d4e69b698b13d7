package peers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// A fresh data directory is the same bytes every time: mariadb-install-db runs once per machine and MariaDB
// build, into a template under the project cache, and each server copies it (about 3x faster on a loaded
// machine; a suite that starts ten servers saves tens of seconds).
var templates sync.Map // mariadbd path -> *templateOnce

type templateOnce struct {
	once sync.Once
	dir  string
	err  error
}

// installData fills data with a freshly installed data directory, from the cached template. A data folder
// that exists already is completed by mariadb-install-db itself, as before the template.
func installData(mariadbd, installDB, data, tmp string) error {
	if _, err := os.Stat(data); err == nil {
		return runInstall(installDB, data, tmp)
	}
	v, _ := templates.LoadOrStore(mariadbd, &templateOnce{})
	t := v.(*templateOnce)
	t.once.Do(func() { t.dir, t.err = template(mariadbd, installDB) })
	if t.err != nil {
		return t.err
	}
	if out, err := exec.Command("cp", "-a", t.dir, data).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the mariadb data template: %w: %s", err, lastLines(out))
	}
	return nil
}

// template returns the cached template of this mariadbd build, installing it when missing. Concurrent test
// processes each install into their own folder and the first rename wins.
func template(mariadbd, installDB string) (string, error) {
	version, err := exec.Command(mariadbd, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("mariadbd --version: %w", err)
	}
	sum := sha256.Sum256(version)
	cache := os.Getenv("ORCA_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the project cache: %w", err)
		}
		cache = filepath.Join(home, ".cache", "orca")
	}
	dir := filepath.Join(cache, "mariadb-datadir-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, "mysql", "user.frm")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("make the project cache: %w", err)
	}
	work, err := os.MkdirTemp(cache, "mariadb-datadir-install-")
	if err != nil {
		return "", fmt.Errorf("make the template folder: %w", err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	tmp := filepath.Join(work, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", fmt.Errorf("make the template tmpdir: %w", err)
	}
	if err := runInstall(installDB, filepath.Join(work, "data"), tmp); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(work, "data"), dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "mysql", "user.frm")); statErr != nil {
			return "", fmt.Errorf("keep the mariadb data template: %w", err)
		}
	}
	return dir, nil
}

func runInstall(installDB, data, tmp string) error {
	install := exec.Command(installDB, "--no-defaults", "--datadir="+data, "--tmpdir="+tmp, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db")
	if out, err := install.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db: %w: %s", err, lastLines(out))
	}
	return nil
}
