package backup

import "errors"

// FailureKind classifies why a restore (or its verification) failed, for the operator to pick a reason.
type FailureKind string

const (
	// FailureCorrupt means an object differs from the manifest (ErrCorrupt); RestoreReport.Object names it.
	FailureCorrupt FailureKind = "corrupt"
	// FailureMismatch means the restored copy differs from the manifest's row counts or digests
	// (ErrVerifyFailed); the error names the tables.
	FailureMismatch FailureKind = "mismatch"
	// FailureIncomplete means the location has no manifest (ErrIncomplete).
	FailureIncomplete FailureKind = "incomplete"
	// FailureTargetNotEmpty means the target already holds a table of the backup (ErrTargetNotEmpty).
	FailureTargetNotEmpty FailureKind = "targetNotEmpty"
	// FailureOther is any other error: the store, the server, the network.
	FailureOther FailureKind = "other"
)

// maxReportError bounds the error kept in a report, so the JSON fits a Kubernetes termination message (4 KiB).
const maxReportError = 3000

// RestoreReport is the JSON summary `orca restore` prints and leaves as its termination message, on success and
// on failure alike.
type RestoreReport struct {
	// Location is the backup's URL.
	Location string `json:"location"`
	// ID is the backup's id from its manifest.
	ID string `json:"id,omitempty"`
	// LoadedChunks, SkippedChunks and Rows count this run's work (skipped: loaded by an interrupted run).
	LoadedChunks  int   `json:"loadedChunks"`
	SkippedChunks int   `json:"skippedChunks"`
	Rows          int64 `json:"rows"`
	// RestoreSeconds is how long the restore took, verification excluded.
	RestoreSeconds float64 `json:"restoreSeconds"`
	// Verified is true when the copy was verified against the manifest and matched.
	Verified bool `json:"verified"`
	// Failure classifies the error; empty on success.
	Failure FailureKind `json:"failure,omitempty"`
	// Object names the corrupt object when Failure is corrupt.
	Object string `json:"object,omitempty"`
	// Error is the error's text, cut to 3000 bytes.
	Error string `json:"error,omitempty"`
}

// Fail records err in the report: its kind, the corrupt object it names, its text.
func (r *RestoreReport) Fail(err error) {
	r.Failure, r.Verified = Classify(err), false
	r.Object, _ = CorruptObject(err)
	r.Error = err.Error()
	if len(r.Error) > maxReportError {
		r.Error = r.Error[:maxReportError]
	}
}

// Classify names the kind of a restore's error.
func Classify(err error) FailureKind {
	switch {
	case errors.Is(err, ErrCorrupt):
		return FailureCorrupt
	case errors.Is(err, ErrVerifyFailed):
		return FailureMismatch
	case errors.Is(err, ErrIncomplete):
		return FailureIncomplete
	case errors.Is(err, ErrTargetNotEmpty):
		return FailureTargetNotEmpty
	}
	return FailureOther
}
