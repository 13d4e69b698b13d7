package mysqlsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControlAPI(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	srv := httptest.NewServer(ControlHandler(tc.g))
	defer srv.Close()
	post := func(path string) int {
		resp, err := http.Post(srv.URL+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	list := func() []MemberStatus {
		resp, err := http.Get(srv.URL + "/members")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var out []MemberStatus
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if l := list(); len(l) != 3 || l[0].Role != RolePrimary || l[1].State != StateOnline {
		t.Fatalf("list %+v", l)
	}
	if code := post("/members/m2/isolate"); code != http.StatusOK {
		t.Fatalf("isolate: %d", code)
	}
	tc.waitFor("m2 expelled", func() bool { return len(tc.members[0].GroupMembers()) == 2 })
	if code := post("/members/m3/error?reason=disk+full"); code != http.StatusOK || tc.members[2].State() != StateError {
		t.Fatalf("error: %d %s", code, tc.members[2].State())
	}
	if code := post("/members/m1/slow?ms=1"); code != http.StatusOK {
		t.Fatal("slow")
	}
	if code := post("/members/nope/crash"); code != http.StatusNotFound {
		t.Fatal("unknown member")
	}
	if code := post("/lose-all"); code != http.StatusNoContent {
		t.Fatal("lose-all")
	}
	for _, m := range list() {
		if m.Up {
			t.Fatalf("%s still up", m.Name)
		}
	}
	resp, err := http.Post(srv.URL+"/members", "application/json",
		strings.NewReader(`{"name":"m4","host":"127.0.0.5","options":{"server_id":"4"}}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add: %v %v", err, resp)
	}
	_ = resp.Body.Close()
	if code := post("/members/m1/restart"); code != http.StatusOK || !tc.members[0].Up() {
		t.Fatal("restart")
	}
	body, _ := json.Marshal(AddMemberRequest{Version: "8.4.7", Options: memberOptions(0)})
	resp, err = http.Post(srv.URL+"/members/m1/restart-with", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != http.StatusOK || tc.members[0].Version() != "8.4.7" {
		t.Fatalf("restart-with: %v %v", err, resp)
	}
	_ = resp.Body.Close()
}
