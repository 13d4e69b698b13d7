package controllers

import (
	"context"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The API server itself refuses bad specs with the CRD's messages; these run against the real apiserver.
func TestInvalidSpecsAreRejectedOnCreate(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name   string
		mutate func(*v1.InnoDBCluster)
		want   string
	}{
		{"too many instances", func(c *v1.InnoDBCluster) { c.Spec.Instances = 10 }, "should be less than or equal to 9"},
		{"negative instances", func(c *v1.InnoDBCluster) { c.Spec.Instances = -1 }, "should be greater than or equal to 1"},
		{"bad version", func(c *v1.InnoDBCluster) { c.Spec.Version = "5.7.40" }, "spec.version"},
		{"owned option in mycnf", func(c *v1.InnoDBCluster) { c.Spec.Mycnf = "max_connections=10\nserver_id = 7\n" },
			"mycnf may not set server_id"},
		{"self-signed and secret", func(c *v1.InnoDBCluster) {
			c.Spec.TLSUseSelfSigned = true
			c.Spec.TLSSecretName = "tls"
		}, "tlsUseSelfSigned and tlsSecretName are mutually exclusive"},
		{"ca without certificate", func(c *v1.InnoDBCluster) { c.Spec.TLSCASecretName = "ca" }, "tlsCASecretName needs tlsSecretName"},
		{"bad pull policy", func(c *v1.InnoDBCluster) { c.Spec.ImagePullPolicy = "Sometimes" }, "spec.imagePullPolicy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(ns, "bad")
			tt.mutate(c)
			err := k8s.Create(context.Background(), c)
			if err == nil {
				t.Fatalf("accepted an invalid spec")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestInvalidSpecChangesAreRejectedOnUpdate(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.DatadirVolumeClaimTemplate = &v1.DatadirVolumeClaim{Storage: "10Gi", StorageClassName: ptr.To("fast")}
	createCluster(t, c)
	tests := []struct {
		name   string
		mutate func(*v1.InnoDBCluster)
		want   string
	}{
		{"shrink volume", func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.Storage = "5Gi" }, "cannot shrink"},
		{"change storage class", func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.StorageClassName = ptr.To("slow") },
			"storageClassName is immutable"},
		{"change base server id", func(c *v1.InnoDBCluster) { c.Spec.BaseServerID = 5 }, "baseServerId is immutable"},
		{"set secret name later", func(c *v1.InnoDBCluster) { c.Spec.SecretName = "other" }, "secretName is immutable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := update(t, key(ns, "db"), tt.mutate)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("update error %v, want it to say %q", err, tt.want)
			}
		})
	}
	// Growing the volume is allowed.
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.DatadirVolumeClaimTemplate.Storage = "20Gi" }); err != nil {
		t.Fatalf("growing the volume was refused: %v", err)
	}
}

func TestVersionCannotGoDown(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.Version = "8.4.3"
	createCluster(t, c)
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Version = "8.0.40" }); err == nil ||
		!strings.Contains(err.Error(), "version cannot go down") {
		t.Fatalf("downgrade: %v", err)
	}
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Version = "8.4.10" }); err != nil {
		t.Fatalf("upgrade 8.4.3 -> 8.4.10 refused: %v", err)
	}
}
