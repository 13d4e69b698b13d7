package tlsca

import (
	"slices"
	"sort"
	"time"
)

// Policy are the lifetimes of the CA and of member certificates. The zero value is DefaultPolicy.
type Policy struct {
	// CAValidity is how long a new CA is valid. Default 10 years.
	CAValidity time.Duration
	// CARenewBefore is how long before its expiry the CA is replaced (the old one stays trusted until it
	// expires). Default 1 year.
	CARenewBefore time.Duration
	// CertValidity is how long a member certificate is valid. Default 90 days.
	CertValidity time.Duration
	// CertRenewBefore is how long before its expiry a member certificate is renewed. Default 30 days.
	CertRenewBefore time.Duration
}

// DefaultPolicy is the policy of the zero Policy, cert-manager's defaults for leaf certificates.
var DefaultPolicy = Policy{
	CAValidity: 10 * 365 * 24 * time.Hour, CARenewBefore: 365 * 24 * time.Hour,
	CertValidity: 90 * 24 * time.Hour, CertRenewBefore: 30 * 24 * time.Hour,
}

func (p Policy) orDefault() Policy {
	if p.CAValidity == 0 {
		p.CAValidity = DefaultPolicy.CAValidity
	}
	if p.CARenewBefore == 0 {
		p.CARenewBefore = DefaultPolicy.CARenewBefore
	}
	if p.CertValidity == 0 {
		p.CertValidity = DefaultPolicy.CertValidity
	}
	if p.CertRenewBefore == 0 {
		p.CertRenewBefore = DefaultPolicy.CertRenewBefore
	}
	return p
}

// Info is what a decision needs to know of a certificate.
type Info struct {
	// Names are the DNS names (subject alternative names) it is valid for.
	Names []string
	// NotBefore and NotAfter bound its validity.
	NotBefore, NotAfter time.Time
	// KeyID is its subject key identifier (hex); for a member certificate, IssuerKeyID names its CA.
	KeyID, IssuerKeyID string
}

// State is what is stored: the current CA and the member certificates by member name.
type State struct {
	// CA is the current CA; nil when none was generated yet.
	CA *Info
	// Members are the issued member certificates; a missing or unreadable one is absent.
	Members map[string]Info
}

// Reason says why a certificate is issued.
type Reason string

// Reasons of an issue.
const (
	// ReasonMissing: the member has no certificate yet (a new cluster or a member added by scaling).
	ReasonMissing Reason = "Missing"
	// ReasonNames: the certificate lacks one of the member's names (the DNS zone changed).
	ReasonNames Reason = "NamesChanged"
	// ReasonExpiring: the certificate expires within Policy.CertRenewBefore.
	ReasonExpiring Reason = "Expiring"
	// ReasonNewCA: the certificate was signed by a CA that is not the current one.
	ReasonNewCA Reason = "OtherCA"
)

// Issue is one certificate to issue.
type Issue struct {
	Member string
	Reason Reason
}

// Plan is what Decide asks for, in the order it must be done: the CA first, then the certificates.
type Plan struct {
	// NewCA asks for a new CA: there is none, or the current one expires within Policy.CARenewBefore.
	NewCA bool
	// Issue are the member certificates to issue, by member name.
	Issue []Issue
	// Drop are the stored certificates of members no longer wanted.
	Drop []string
}

// Rolls reports whether the plan replaces a certificate a running member may have loaded: mysqld reads its
// certificate at start, so the members must restart (one at a time) to serve the new ones. Issuing a missing
// certificate rolls nothing: that member has not started with one.
func (p Plan) Rolls() bool {
	return slices.ContainsFunc(p.Issue, func(i Issue) bool { return i.Reason != ReasonMissing })
}

// Empty reports whether nothing is to be done.
func (p Plan) Empty() bool { return !p.NewCA && len(p.Issue) == 0 && len(p.Drop) == 0 }

// Decide compares what is stored with the wanted names of every member (member name -> DNS names) at now.
// A new CA re-issues every certificate. It never mutates its input.
func Decide(s State, want map[string][]string, now time.Time, p Policy) Plan {
	p = p.orDefault()
	var plan Plan
	plan.NewCA = s.CA == nil || !now.Before(s.CA.NotAfter.Add(-p.CARenewBefore))
	for _, m := range sortedKeys(want) {
		if r, due := memberDue(s, m, want[m], plan.NewCA, now, p); due {
			plan.Issue = append(plan.Issue, Issue{Member: m, Reason: r})
		}
	}
	for m := range s.Members {
		if _, ok := want[m]; !ok {
			plan.Drop = append(plan.Drop, m)
		}
	}
	sort.Strings(plan.Drop)
	return plan
}

// memberDue says whether member m's certificate must be issued, and why.
func memberDue(s State, m string, names []string, newCA bool, now time.Time, p Policy) (Reason, bool) {
	cur, ok := s.Members[m]
	switch {
	case !ok:
		return ReasonMissing, true
	case newCA || cur.IssuerKeyID != s.CA.KeyID:
		return ReasonNewCA, true
	case !covers(cur.Names, names):
		return ReasonNames, true
	case !now.Before(cur.NotAfter.Add(-p.CertRenewBefore)):
		return ReasonExpiring, true
	}
	return "", false
}

// NextCheck is when the stored state next needs a decision, had nothing changed: the earliest renewal time.
func NextCheck(s State, p Policy) time.Time {
	p = p.orDefault()
	if s.CA == nil {
		return time.Time{}
	}
	next := s.CA.NotAfter.Add(-p.CARenewBefore)
	for _, c := range s.Members {
		if t := c.NotAfter.Add(-p.CertRenewBefore); t.Before(next) {
			next = t
		}
	}
	return next
}

// covers reports whether have includes every wanted name (exact names; Orca issues no wildcards).
func covers(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
