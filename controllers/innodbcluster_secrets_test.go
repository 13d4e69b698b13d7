package controllers

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

var generatedSecrets = []string{"db-credentials", "db-internal"}

func secretData(t *testing.T, ns string) map[string]map[string][]byte {
	t.Helper()
	out := map[string]map[string][]byte{}
	for _, name := range generatedSecrets {
		out[name] = get(t, key(ns, name), &corev1.Secret{}).Data
	}
	return out
}

// waitControlledBy waits until every generated Secret is controlled by the cluster.
func waitControlledBy(t *testing.T, ns string, c *v1.InnoDBCluster) {
	t.Helper()
	eventually(t, wait, func() error {
		for _, name := range generatedSecrets {
			var s corev1.Secret
			if err := k8s.Get(context.Background(), key(ns, name), &s); err != nil {
				return err
			}
			if err := ownedBy(&s, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// With whenDeleted: Retain the volumes stay, and so do the Secrets whose passwords their data directories hold:
// released from the deleted cluster, then adopted unchanged by a cluster created again with the same name.
func TestRetainedClusterKeepsAndReadoptsItsSecrets(t *testing.T) {
	ns := newNamespace(t)
	first := createCluster(t, newCluster(ns, "db"))
	waitControlledBy(t, ns, first)
	before := secretData(t, ns)
	if err := k8s.Delete(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ns)
	for _, name := range generatedSecrets {
		s := get(t, key(ns, name), &corev1.Secret{})
		if refs := s.GetOwnerReferences(); len(refs) != 0 {
			t.Fatalf("secret %s kept owner references %+v: the garbage collector would delete it", name, refs)
		}
	}
	waitEvent(t, ns, "SecretsKept")

	second := createCluster(t, newCluster(ns, "db"))
	waitControlledBy(t, ns, second)
	if after := secretData(t, ns); !reflect.DeepEqual(before, after) {
		t.Fatal("the re-created cluster rewrote its Secrets")
	}
	waitEvent(t, ns, "SecretAdopted")
}

// With whenDeleted: Delete the Secrets stay owned by the cluster, so the garbage collector deletes them with it
// (envtest runs no garbage collector; test/rbac sees them go on a full control plane).
func TestDeletedClusterLeavesItsSecretsToTheGarbageCollector(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	createCluster(t, c)
	waitControlledBy(t, ns, c)
	if err := k8s.Delete(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ns)
	for _, name := range generatedSecrets {
		if err := ownedBy(get(t, key(ns, name), &corev1.Secret{}), c); err != nil {
			t.Fatalf("with Delete the secret must stay owned for the garbage collector: %v", err)
		}
	}
}

// A Secret Orca did not generate is used but never adopted: deleting the cluster must not take it along.
func TestForeignSecretIsNotAdopted(t *testing.T) {
	ns := newNamespace(t)
	own := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db-credentials"},
		StringData: map[string]string{"rootUser": "root", "rootHost": "%", "rootPassword": "their-own-password"}}
	if err := k8s.Create(context.Background(), own); err != nil {
		t.Fatal(err)
	}
	createCluster(t, newCluster(ns, "db"))
	get(t, key(ns, "db-mycnf"), &corev1.ConfigMap{})
	var s corev1.Secret
	if err := k8s.Get(context.Background(), key(ns, "db-credentials"), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.OwnerReferences) != 0 || string(s.Data["rootPassword"]) != "their-own-password" {
		t.Fatalf("a foreign secret was adopted or rewritten: owners %+v", s.OwnerReferences)
	}
}

func waitEvent(t *testing.T, ns, reason string) {
	t.Helper()
	eventually(t, wait, func() error {
		var list corev1.EventList
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.Reason == reason {
				return nil
			}
		}
		return fmt.Errorf("no %s event among %d", reason, len(list.Items))
	})
}
