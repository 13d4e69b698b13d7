package simworld

import (
	"reflect"
	"testing"
)

func TestParseMyCnf(t *testing.T) {
	shared := `# Generated
[mysqld]
port=3306
plugin_load_add=group_replication.so
plugin-load-add = mysql_clone.so
group_replication_group_name = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
skip_replica_start
max_connections=100   # inline comment
init_connect='SET NAMES utf8mb4 # not a comment'

[client]
user=ignored
[mysqld]
; another comment
!includedir /etc/mysql/other
Max_Connections=500
`
	member := "[mysqld]\nserver_id=1001\nreport_host=db-1.db-instances.ns.svc.cluster.local\n"
	got, err := parseMyCnf(shared, member)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"port":                         "3306",
		"plugin_load_add":              "group_replication.so,mysql_clone.so",
		"group_replication_group_name": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		"skip_replica_start":           "ON",
		"max_connections":              "500",
		"init_connect":                 "SET NAMES utf8mb4 # not a comment",
		"server_id":                    "1001",
		"report_host":                  "db-1.db-instances.ns.svc.cluster.local",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("options\n got %v\nwant %v", got, want)
	}
}

func TestParseMyCnfRejectsOptionsOutsideAGroup(t *testing.T) {
	for _, bad := range []string{"port=3306\n[mysqld]\n", "[mysqld\nport=1\n"} {
		if _, err := parseMyCnf(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
