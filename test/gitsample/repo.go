package gitsample

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Folder is where the migrations are in the sample repository (the hook's source.path).
const Folder = "migrations"

// Repo is a sample repository on disk.
type Repo struct {
	// Dir is the repository's folder (a work tree with .git).
	Dir string
	// Commit is the full SHA of its one commit on main.
	Commit string
	// Files are the paths the commit added, as a push payload lists them.
	Files []string
}

// Build makes dir a repository whose one commit, on main, holds the files of src in Folder. The author and time
// are fixed, so the same sample makes the same commit.
func Build(src, dir string) (*Repo, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("read the sample %s: %w", src, err)
	}
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: "refs/heads/main"}})
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open the work tree of %s: %w", dir, err)
	}
	r := &Repo{Dir: dir}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := filepath.ToSlash(filepath.Join(Folder, e.Name()))
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		if _, err := wt.Add(name); err != nil {
			return nil, fmt.Errorf("add %s: %w", name, err)
		}
		r.Files = append(r.Files, name)
	}
	sort.Strings(r.Files)
	sig := &object.Signature{Name: "Orca sample", Email: "sample@orca.invalid",
		When: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	h, err := wt.Commit("the shop's schema", &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		return nil, fmt.Errorf("commit the sample: %w", err)
	}
	r.Commit = h.String()
	return r, nil
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("read %s: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return fmt.Errorf("make %s: %w", filepath.Dir(to), err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", to, err)
	}
	return nil
}
