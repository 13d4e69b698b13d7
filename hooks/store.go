package hooks

import (
	"context"
	"errors"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ErrHookNotFound is returned by Store.Hook for a hook that does not exist (answered 404).
var ErrHookNotFound = errors.New("migration hook not found")

// ErrRunRejected is returned by Store.CreateRun when the API server refuses the run as invalid: delivering it
// again cannot help (answered 400, not 503).
var ErrRunRejected = errors.New("migration run rejected as invalid")

// Hook is what the receiver needs of a MigrationHook.
type Hook struct {
	// Namespace and Name identify the hook.
	Namespace, Name string
	// Spec is the hook's spec.
	Spec v1.MigrationHookSpec
	// Secret is the signing secret or token from spec.secretRef. Never logged.
	Secret []byte
	// SecretVersion is the resourceVersion of the Secret that Secret was read from.
	SecretVersion string
}

// Store finds hooks and stores runs. KubeStore is the one on the API server; tests use fakes.
type Store interface {
	// Hook returns the named hook with its signing secret, or ErrHookNotFound.
	Hook(ctx context.Context, namespace, name string) (Hook, error)
	// CreateRun stores the run and returns only once the API server has it. created is false, with a nil
	// error, when a run of that name exists already: nothing is stored then.
	CreateRun(ctx context.Context, run *v1.MigrationRun) (created bool, err error)
	// Reread returns the hook with its Secret read again from the API server, asked after a delivery failed the
	// signature check with h (the Secret may have been rotated a moment ago). changed is false when the Secret
	// read is the version h holds, or when the store declines to read it again so soon.
	Reread(ctx context.Context, h Hook) (fresh Hook, changed bool, err error)
}
