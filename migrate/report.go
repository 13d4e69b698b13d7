package migrate

import (
	"encoding/json"
	"errors"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// MaxReportBytes fits a report in a container's termination message (Kubernetes keeps 4096 bytes).
const MaxReportBytes = 4000

// maxReportedFindings bounds the lint findings a report carries.
const maxReportedFindings = 20

// Report is what `orca migrate` leaves in its termination message for the controller: compact field names, the
// most recent files last.
type Report struct {
	Flavor  Flavor             `json:"flavor,omitempty"`
	Applied []ReportedFile     `json:"applied,omitempty"`
	Failure *Failure           `json:"failure,omitempty"`
	Lint    []Finding          `json:"lint,omitempty"`
	Reason  v1.MigrationReason `json:"reason,omitempty"`
	Error   string             `json:"error,omitempty"`
}

// ReportedFile is one applied file.
type ReportedFile struct {
	Version    string `json:"v"`
	File       string `json:"f"`
	Checksum   string `json:"c"`
	Statements int    `json:"n"`
	GTIDAfter  string `json:"g,omitempty"`
}

// NewReport is the report of a run that returned res and err.
func NewReport(res Result, err error) Report {
	rep := Report{Flavor: res.Flavor, Failure: res.Failure, Reason: ReasonOf(err), Lint: res.Lint}
	if len(rep.Lint) > maxReportedFindings {
		rep.Lint = rep.Lint[:maxReportedFindings]
	}
	for _, a := range res.Applied {
		rep.Applied = append(rep.Applied, ReportedFile{Version: a.Version, File: a.File, Checksum: a.Checksum,
			Statements: a.Statements, GTIDAfter: a.GTIDAfter})
	}
	if err != nil {
		rep.Error = err.Error()
	}
	return rep
}

// ReasonOf is the run's reason for an error of Run.
func ReasonOf(err error) v1.MigrationReason {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrStatement):
		return v1.ReasonStatementFailed
	case errors.Is(err, ErrChecksumMismatch):
		return v1.ReasonChecksumMismatch
	case errors.Is(err, ErrOutOfOrder):
		return v1.ReasonOutOfOrder
	case errors.Is(err, ErrLintBlocked):
		return v1.ReasonLintFindings
	case errors.Is(err, ErrMissingPrimaryKey):
		return v1.ReasonMissingPrimaryKey
	case errors.Is(err, ErrTransactionTooLarge):
		return v1.ReasonTransactionTooLarge
	case errors.Is(err, ErrLockLost):
		return v1.ReasonLockLost
	case errors.Is(err, ErrClone):
		return v1.ReasonCloneFailed
	default:
		return v1.ReasonPodFailed
	}
}

// Encode marshals the report within MaxReportBytes: the error and statement are cut first, then the oldest
// applied files are left out.
func (r Report) Encode() []byte {
	r.Error = cut(r.Error, 1024)
	if r.Failure != nil {
		f := *r.Failure
		f.Statement, f.Error = cut(f.Statement, 512), cut(f.Error, 512)
		r.Failure = &f
	}
	for {
		raw, _ := json.Marshal(r)
		if len(raw) <= MaxReportBytes || len(r.Applied) == 0 {
			return raw
		}
		r.Applied = r.Applied[1:]
	}
}

// DecodeReport reads a termination message.
func DecodeReport(raw string) (Report, error) {
	var r Report
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return Report{}, errors.Join(errors.New("read the runner's report"), err)
	}
	return r, nil
}
