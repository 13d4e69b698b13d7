package migrate

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// ErrClone means the repository could not be cloned or the commit checked out.
var ErrClone = errors.New("clone failed")

// Source is a repository at one commit.
type Source struct {
	// URL is the repository: https://, http://, git:// or file://.
	URL string
	// Commit is the full SHA to check out.
	Commit string
	// Username and Password authenticate an HTTP clone (a token goes in Password). Never logged.
	Username, Password string
}

// Clone clones the repository into dir (which must be empty or absent) and checks out the commit exactly: the
// work tree is that commit's, whatever the branches point to now.
func Clone(ctx context.Context, src Source, dir string) error {
	var auth transport.AuthMethod
	if src.Password != "" {
		auth = &githttp.BasicAuth{Username: src.Username, Password: src.Password}
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: src.URL, Auth: auth,
		NoCheckout: true, Tags: git.AllTags})
	if err != nil {
		return fmt.Errorf("clone %s: %w: %w", src.URL, ErrClone, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return fmt.Errorf("open the work tree of %s: %w: %w", src.URL, ErrClone, err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(src.Commit), Force: true}); err != nil {
		return fmt.Errorf("check out %s of %s: %w: %w", src.Commit, src.URL, ErrClone, err)
	}
	head, err := repo.Head()
	if err != nil {
		return fmt.Errorf("read HEAD of %s: %w: %w", src.URL, ErrClone, err)
	}
	if head.Hash().String() != src.Commit {
		return fmt.Errorf("check out %s of %s: HEAD is %s: %w", src.Commit, src.URL, head.Hash(), ErrClone)
	}
	return nil
}
