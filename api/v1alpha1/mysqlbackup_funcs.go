package v1alpha1

// VerifyEnabled reports whether the backup is to be verified by a restore: spec.verify, true when unset.
func (s *MySQLBackupSpec) VerifyEnabled() bool {
	return s.Verify == nil || *s.Verify
}

// IsVerified reports whether a restore-verify of the backup passed.
func (s *MySQLBackupStatus) IsVerified() bool {
	return s.Verified != nil && *s.Verified
}
