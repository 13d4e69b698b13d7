package simworld

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// Handler serves the world's failure-injection API as JSON over HTTP:
//
//	GET  /clusters                           every simulated cluster with its members
//	GET  /clusters/{namespace}/{name}        one cluster
//	POST /clusters/{namespace}/{name}/members/{pod}/shutdown
//	                                         SIGTERM to the pod's mysql container (World.Shutdown): a clean
//	                                         stop, exit code 0, restarted after the container restart delay
//	     /clusters/{namespace}/{name}/...    mysqlsim.ControlHandler of the cluster's group
//	                                         (POST .../members/{pod}/crash, .../isolate, .../lose-all, ...)
//
// Members follow pods: adding or removing one through the group's API (POST /members, DELETE
// /members/{name}) is refused; scale the InnoDBCluster or delete the pod's claim instead.
func (w *World) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /clusters", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, w.Clusters())
	})
	mux.HandleFunc("GET /clusters/{namespace}/{name}", func(rw http.ResponseWriter, r *http.Request) {
		for _, c := range w.Clusters() {
			if c.Namespace == r.PathValue("namespace") && c.Name == r.PathValue("name") {
				writeJSON(rw, c)
				return
			}
		}
		http.Error(rw, "no simulated cluster "+r.PathValue("namespace")+"/"+r.PathValue("name"), http.StatusNotFound)
	})
	mux.HandleFunc("POST /clusters/{namespace}/{name}/members/{pod}/shutdown", func(rw http.ResponseWriter,
		r *http.Request) {
		ns, name, pod := r.PathValue("namespace"), r.PathValue("name"), r.PathValue("pod")
		if g := w.Group(ns, name); g == nil || g.Member(pod) == nil {
			http.Error(rw, "no simulated member "+pod+" in cluster "+ns+"/"+name, http.StatusNotFound)
			return
		}
		if err := w.Shutdown(r.Context(), ns, pod); err != nil {
			http.Error(rw, err.Error(), http.StatusConflict)
			return
		}
		writeJSON(rw, map[string]string{"shutdown": ns + "/" + pod})
	})
	mux.HandleFunc("/clusters/{namespace}/{name}/", func(rw http.ResponseWriter, r *http.Request) {
		ns, name := r.PathValue("namespace"), r.PathValue("name")
		g := w.Group(ns, name)
		if g == nil {
			http.Error(rw, "no simulated cluster "+ns+"/"+name, http.StatusNotFound)
			return
		}
		prefix := "/clusters/" + ns + "/" + name
		rest := strings.TrimPrefix(r.URL.Path, prefix)
		if (r.Method == http.MethodPost && rest == "/members") ||
			(r.Method == http.MethodDelete && strings.Count(rest, "/") == 2 && strings.HasPrefix(rest, "/members/")) {
			http.Error(rw, "members follow pods: scale the InnoDBCluster or delete the pod's data claim",
				http.StatusMethodNotAllowed)
			return
		}
		http.StripPrefix(prefix, mysqlsim.ControlHandler(g)).ServeHTTP(rw, r)
	})
	return mux
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
