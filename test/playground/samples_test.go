package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
)

// The sample backup goes into the playground's S3 server with the keys it is started with.
func TestSampleBackupMatchesThePlaygroundS3(t *testing.T) {
	objs, err := loadOtherSamples(envtestutil.RepoRoot())
	if err != nil {
		t.Fatal(err)
	}
	var b *v1.MySQLBackup
	var s *corev1.Secret
	for _, o := range objs {
		switch o := o.(type) {
		case *v1.MySQLBackup:
			b = o
		case *corev1.Secret:
			s = o
		}
	}
	if b == nil || s == nil {
		t.Fatalf("samples hold %d other objects, want a MySQLBackup and its Secret", len(objs))
	}
	s3 := b.Spec.Storage.S3
	if s3.Endpoint != "http://"+playgroundS3 || s3.Bucket != playgroundBucket || s3.CredentialsSecret != s.Name ||
		s.StringData[v1.KeyS3AccessKeyID] != playgroundS3Key ||
		s.StringData[v1.KeyS3SecretAccessKey] != playgroundS3Secret || b.Namespace != "default" {
		t.Fatalf("sample backup %+v with Secret %s %v", s3, s.Name, s.StringData)
	}
	clusters, err := loadSamples(envtestutil.RepoRoot())
	if err != nil || len(clusters) != 1 || clusters[0].Name != b.Spec.ClusterName {
		t.Fatalf("sample clusters %v (%v), want the one the backup names", clusters, err)
	}
}
