package tlsca

import "strings"

// VerifyName is the name a client checks a member's certificate against when it dials host: host itself when
// the certificate is valid for it (the member's identity is verified, VERIFY_IDENTITY), otherwise the first of
// the certificate's own DNS names, so the chain and the certificate are still verified although the member's
// identity is not (VERIFY_CA); "" when the certificate has no DNS name at all (nothing can be verified).
func VerifyName(certNames []string, host string) (name string, identity bool) {
	for _, n := range certNames {
		if MatchName(n, host) {
			return host, true
		}
	}
	if len(certNames) == 0 {
		return "", false
	}
	return certNames[0], false
}

// MatchName reports whether a certificate name (possibly a wildcard "*.example.org", which covers exactly one
// leftmost label as RFC 6125 section 6.4.3 allows) matches host, case-insensitively.
func MatchName(certName, host string) bool {
	certName, host = strings.ToLower(strings.TrimSuffix(certName, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(certName, "*."); ok {
		label, parent, found := strings.Cut(host, ".")
		return found && label != "" && parent == rest
	}
	return certName == host
}

// CoversAll reports whether certNames cover every host.
func CoversAll(certNames, hosts []string) bool {
	for _, h := range hosts {
		if _, ok := VerifyName(certNames, h); !ok {
			return false
		}
	}
	return true
}
