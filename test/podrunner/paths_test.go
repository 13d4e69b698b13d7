package podrunner

import "testing"

func TestPathRewriter(t *testing.T) {
	r := newPathRewriter([]mount{
		{Path: "/orca/mycnf", Host: "/tmp/p/volumes/mycnf"},
		{Path: "/etc/mysql/conf.d/", Host: "/tmp/p/volumes/conf"},
		{Path: "/etc/mysql/conf.d/x/", Host: "/tmp/p/volumes/nested"},
		{Path: "/", Host: "/never"},
	})
	for in, want := range map[string]string{
		"/orca/mycnf":                       "/tmp/p/volumes/mycnf",
		"--template-dir=/orca/mycnf":        "--template-dir=/tmp/p/volumes/mycnf",
		"/orca/mycnf/my.cnf":                "/tmp/p/volumes/mycnf/my.cnf",
		"/orca/mycnf2":                      "/orca/mycnf2",
		"x/orca/mycnf":                      "x/orca/mycnf",
		"/etc/mysql/conf.d":                 "/tmp/p/volumes/conf",
		"/etc/mysql/conf.d/x/a.cnf":         "/tmp/p/volumes/nested/a.cnf",
		"A=/orca/mycnf:/etc/mysql/conf.d,b": "A=/tmp/p/volumes/mycnf:/tmp/p/volumes/conf,b",
		"/usr/bin":                          "/usr/bin",
		"no path":                           "no path",
	} {
		if got := r.rewrite(in); got != want {
			t.Errorf("rewrite(%q) = %q, want %q", in, got, want)
		}
	}
	if got := newPathRewriter(nil).rewrite("/a/b"); got != "/a/b" {
		t.Errorf("no mounts: %q", got)
	}
}
