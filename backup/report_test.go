package backup

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestReportClassifiesAndNamesTheCorruptObject(t *testing.T) {
	chunk := nameCorrupt("data/t00001/p00001-0001.sql.zst", fmt.Errorf("read: %w", ErrCorrupt))
	for _, c := range []struct {
		err    error
		kind   FailureKind
		object string
	}{
		{fmt.Errorf("chunk x: %w", chunk), FailureCorrupt, "data/t00001/p00001-0001.sql.zst"},
		{nameCorrupt(ManifestKey, ErrCorrupt), FailureCorrupt, ManifestKey},
		{fmt.Errorf("%w: app.t", ErrVerifyFailed), FailureMismatch, ""},
		{ErrIncomplete, FailureIncomplete, ""},
		{ErrTargetNotEmpty, FailureTargetNotEmpty, ""},
		{errors.New("connection refused"), FailureOther, ""},
		{nameCorrupt("k", errors.New("not corrupt")), FailureOther, ""},
	} {
		var r RestoreReport
		r.Verified = true
		r.Fail(c.err)
		if r.Failure != c.kind || r.Object != c.object || r.Verified || r.Error != c.err.Error() {
			t.Errorf("Fail(%v) = %+v, want kind %s object %q", c.err, r, c.kind, c.object)
		}
	}
	var r RestoreReport
	r.Fail(errors.New(strings.Repeat("x", 10000)))
	if len(r.Error) != maxReportError {
		t.Errorf("a long error is kept at %d bytes, want %d", len(r.Error), maxReportError)
	}
}
