package mysqlsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MemberStatus is one member in the control API's JSON.
type MemberStatus struct {
	Name         string      `json:"name"`
	UUID         string      `json:"uuid"`
	Host         string      `json:"host"`
	Port         int         `json:"port"`
	XPort        int         `json:"xport"`
	Up           bool        `json:"up"`
	State        MemberState `json:"state"`
	Role         Role        `json:"role"`
	ViewID       string      `json:"viewId"`
	Quorum       bool        `json:"quorum"`
	GTIDExecuted string      `json:"gtidExecuted"`
}

// Status summarises the member for the control API.
func (m *Member) Status() MemberStatus {
	return MemberStatus{Name: m.Name(), UUID: m.UUID(), Host: m.Host(), Port: m.Port(), XPort: m.XPort(), Up: m.Up(),
		State: m.State(), Role: m.Role(), ViewID: m.ViewID(), Quorum: m.HasQuorum(),
		GTIDExecuted: m.GTIDExecuted().String()}
}

// AddMemberRequest is the body of POST /members and of POST /members/{name}/restart-with (which
// uses Host, Port, XPort, Version, Options, NetworkAddress and Subnets, see Member.RestartWith).
type AddMemberRequest struct {
	Name           string            `json:"name"`
	Host           string            `json:"host"`
	Port           int               `json:"port"`
	XPort          int               `json:"xport"`
	Version        string            `json:"version"`
	RootPassword   string            `json:"rootPassword"`
	Options        map[string]string `json:"options"`
	NetworkAddress string            `json:"networkAddress,omitempty"`
	Subnets        []string          `json:"subnets,omitempty"`
	// OfficialImage initialises the data directory as docker-library/mysql's entrypoint
	// (InitOfficialImage).
	OfficialImage bool `json:"officialImage,omitempty"`
	// SkipTZInfo is MYSQL_INITDB_SKIP_TZINFO.
	SkipTZInfo bool `json:"skipTZInfo,omitempty"`
}

func (r AddMemberRequest) config() MemberConfig {
	cfg := MemberConfig{Name: r.Name, Host: r.Host, Port: r.Port, XPort: r.XPort, Version: r.Version,
		RootPassword: r.RootPassword, Options: r.Options, NetworkAddress: r.NetworkAddress, Subnets: r.Subnets,
		SkipTZInfo: r.SkipTZInfo}
	if r.OfficialImage {
		cfg.Initialize = InitOfficialImage
	}
	return cfg
}

// ControlHandler serves the failure-injection API as JSON over HTTP:
//
//	GET    /members                      list members
//	POST   /members                      add a member (AddMemberRequest)
//	DELETE /members/{name}               remove a member
//	POST   /members/{name}/crash         kill mysqld
//	POST   /members/{name}/restart       crash if up, then boot
//	POST   /members/{name}/restart-with  crash if up, boot a new version / my.cnf (AddMemberRequest)
//	POST   /members/{name}/isolate       cut it off from the other members
//	POST   /members/{name}/heal          reconnect it
//	POST   /members/{name}/error         applier error (?reason=...)
//	POST   /members/{name}/slow?ms=N     delay every statement by N ms (0 = off)
//	POST   /members/{name}/lag?on=true   stop (true) or resume the applier
//	POST   /members/{name}/purge-binlogs purge the binary logs
//	POST   /lose-all                     crash every member
//	POST   /heal-all                     remove every partition
func ControlHandler(g *Group) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /members", func(w http.ResponseWriter, r *http.Request) {
		var out []MemberStatus
		for _, m := range g.Members() {
			out = append(out, m.Status())
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /members", func(w http.ResponseWriter, r *http.Request) {
		var req AddMemberRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		m, err := g.AddMember(req.config())
		if err != nil && m != nil { // the member exists, down (see its error log)
			writeJSON(w, http.StatusCreated, map[string]any{"member": m.Status(), "error": err.Error()})
			return
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, m.Status())
	})
	mux.HandleFunc("DELETE /members/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := g.RemoveMember(r.PathValue("name")); err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /members/{name}/{action}", func(w http.ResponseWriter, r *http.Request) {
		m := g.Member(r.PathValue("name"))
		if m == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such member"})
			return
		}
		if err := memberAction(m, r.PathValue("action"), r); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, m.Status())
	})
	mux.HandleFunc("POST /lose-all", func(w http.ResponseWriter, r *http.Request) {
		g.LoseAll()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /heal-all", func(w http.ResponseWriter, r *http.Request) {
		g.HealAll()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func memberAction(m *Member, action string, r *http.Request) error {
	q := r.URL.Query()
	switch action {
	case "crash":
		m.Crash()
	case "restart":
		return m.Restart()
	case "restart-with":
		var req AddMemberRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return fmt.Errorf("restart-with: %w", err)
		}
		return m.RestartWith(req.config())
	case "isolate":
		m.Isolate()
	case "heal":
		m.Heal()
	case "error":
		return m.InjectError(q.Get("reason"))
	case "slow":
		ms, err := strconv.Atoi(q.Get("ms"))
		if err != nil {
			return fmt.Errorf("slow: ms: %w", err)
		}
		m.SetSlow(time.Duration(ms) * time.Millisecond)
	case "lag":
		on, err := strconv.ParseBool(q.Get("on"))
		if err != nil {
			return fmt.Errorf("lag: on: %w", err)
		}
		m.SetLag(on)
	case "purge-binlogs":
		m.PurgeBinaryLogs()
	default:
		return fmt.Errorf("unknown action %q", action)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
