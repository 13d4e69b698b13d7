package v1alpha1

import "testing"

func TestVerifyEnabledDefaultsOn(t *testing.T) {
	off, on := false, true
	for _, c := range []struct {
		verify *bool
		want   bool
	}{{nil, true}, {&on, true}, {&off, false}} {
		s := MySQLBackupSpec{Verify: c.verify}
		if got := s.VerifyEnabled(); got != c.want {
			t.Errorf("VerifyEnabled(%v) = %v, want %v", c.verify, got, c.want)
		}
	}
}

func TestIsVerified(t *testing.T) {
	off, on := false, true
	for _, c := range []struct {
		verified *bool
		want     bool
	}{{nil, false}, {&on, true}, {&off, false}} {
		s := MySQLBackupStatus{Verified: c.verified}
		if got := s.IsVerified(); got != c.want {
			t.Errorf("IsVerified(%v) = %v, want %v", c.verified, got, c.want)
		}
	}
}
