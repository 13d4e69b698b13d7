package v1alpha1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestMigrationRunNameIsStableValidAndDistinct(t *testing.T) {
	ids := []string{
		"72d3162e-cc78-11e3-81ab-4c9367dc0958", // GitHub's X-GitHub-Delivery
		"msg_p5jXN8AQM9LWM0D4loKWxJek",         // Standard Webhooks
		"msg_p5jxn8aqm9lwm0d4lokwxjek",         // the same lowercased: must not collide
		"MSG",
		strings.Repeat("a", 255),
		"a",
	}
	hook := strings.Repeat("h", 30)
	seen := map[string]string{}
	for _, id := range ids {
		name := MigrationRunName(hook, id)
		if name != MigrationRunName(hook, id) {
			t.Fatalf("%q: name not stable", id)
		}
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Errorf("%q -> %q: %v", id, name, errs)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("%q and %q share the run name %q", prev, id, name)
		}
		seen[name] = id
	}
	if got := MigrationRunName("app", "72d3162e-cc78-11e3-81ab-4c9367dc0958"); got != "app-72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Errorf("a GitHub delivery id should stay readable, got %q", got)
	}
}

func TestMigrationRunBackupNameLeavesRoomForItsJobs(t *testing.T) {
	long := MigrationRunName(strings.Repeat("h", 30), strings.Repeat("a", 32))
	longer := MigrationRunName(strings.Repeat("h", 30), strings.Repeat("a", 31)+"b")
	if got := MigrationRunBackupName("app-d-1"); got != "app-d-1-pre" {
		t.Errorf("short run: %q", got)
	}
	seen := map[string]string{}
	for _, run := range []string{"app-d-1", long, longer, MigrationRunName("app", "X")} {
		name := MigrationRunBackupName(run)
		if errs := validation.IsDNS1123Label(name + "-verify"); len(errs) > 0 {
			t.Errorf("%q -> %q: its verify Job's name: %v", run, name, errs)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("%q and %q share the backup name %q", prev, run, name)
		}
		seen[name] = run
	}
}
