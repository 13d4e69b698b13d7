package migrate

import (
	"fmt"
	"strings"
	"testing"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestReportFitsTheTerminationMessage(t *testing.T) {
	var res Result
	for i := range 200 {
		res.Applied = append(res.Applied, Applied{File: fmt.Sprintf("V%d__step.sql", i), Version: fmt.Sprint(i),
			Checksum: strings.Repeat("a", 64), Statements: 3, GTIDAfter: fmt.Sprintf("0-7-%d", i)})
	}
	res.Failure = &Failure{File: "V200__x.sql", Index: 4, Statement: strings.Repeat("x", 5000), Error: "Error 1146"}
	err := fmt.Errorf("V200__x.sql statement 4: %w", ErrStatement)
	raw := NewReport(res, err).Encode()
	if len(raw) > MaxReportBytes {
		t.Fatalf("%d bytes", len(raw))
	}
	rep, derr := DecodeReport(string(raw))
	if derr != nil || rep.Reason != v1.ReasonStatementFailed || rep.Failure.Index != 4 ||
		rep.Applied[len(rep.Applied)-1].Version != "199" {
		t.Fatalf("decoded %+v, %v", rep, derr)
	}
}

func TestReasonOf(t *testing.T) {
	for err, want := range map[error]v1.MigrationReason{
		fmt.Errorf("x: %w", ErrChecksumMismatch): v1.ReasonChecksumMismatch,
		fmt.Errorf("x: %w", ErrOutOfOrder):       v1.ReasonOutOfOrder,
		fmt.Errorf("x: %w", ErrLockLost):         v1.ReasonLockLost,
		fmt.Errorf("x: %w", ErrClone):            v1.ReasonCloneFailed,
		fmt.Errorf("connect: refused"):           v1.ReasonPodFailed,
	} {
		if got := ReasonOf(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
}
