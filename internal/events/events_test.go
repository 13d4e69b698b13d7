package events

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/orca-operator/orca/topology"
)

// root is the repository's root, from this package's folder.
const root = "../.."

// Every entry has a reason of its own, a type the events API knows and an action.
func TestCatalogueEntriesAreDistinctAndTyped(t *testing.T) {
	seen := map[Reason]bool{}
	for _, e := range All() {
		if e.Reason() == "" || seen[e.Reason()] {
			t.Errorf("reason %q empty or repeated", e.Reason())
		}
		seen[e.Reason()] = true
		if e.Type() != corev1.EventTypeNormal && e.Type() != corev1.EventTypeWarning {
			t.Errorf("%s: type %q", e.Reason(), e.Type())
		}
		if e.Action() == "" {
			t.Errorf("%s: no action", e.Reason())
		}
	}
	if len(seen) < 40 {
		t.Fatalf("the catalogue holds %d entries: the registry lost some", len(seen))
	}
}

// Every action kind topology declares has its own entry, named after it; topology.ActionKinds lists them all.
func TestEveryActionKindHasItsEvent(t *testing.T) {
	declared := constsOfType(t, filepath.Join(root, "topology"), "ActionKind")
	listed := map[string]bool{}
	for _, k := range topology.ActionKinds() {
		listed[string(k)] = true
		e := ForAction(k)
		if e.Reason() != Reason(k) || !slices.Contains(All(), e) {
			t.Errorf("action %s: event %+v, want the catalogue entry named after it", k, e)
		}
	}
	for _, name := range declared {
		if !listed[name] {
			t.Errorf("topology declares action kind %s but ActionKinds does not list it", name)
		}
	}
	if len(declared) != len(listed) {
		t.Errorf("topology declares %d action kinds, ActionKinds lists %d", len(declared), len(listed))
	}
	if ForAction("NoSuchAction") != (Event{}) {
		t.Error("an unknown kind must map to the zero Event, which Emit drops")
	}
}

// The walk: outside this package no Go file records an event itself (Eventf, Event, AnnotatedEventf on a
// recorder), builds an Event of the catalogue's type (its zero value would bypass it) or builds an Event object
// for the API server. Only test/podrunner, which plays the kubelet for real pods, records the kubelet's events,
// and internal/eventrecorder, the recorder events.Emit calls, builds the Events it writes.
func TestNoEventIsEmittedOutsideTheCatalogue(t *testing.T) {
	kubelet := filepath.Join("test", "podrunner")
	writer := filepath.Join("internal", "eventrecorder")
	var bad []string
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" ||
				name == "bin" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.Dir(rel) == filepath.Join("internal", "events") || strings.HasPrefix(rel, kubelet) ||
			filepath.Dir(rel) == writer {
			return nil
		}
		files++
		bad = append(bad, offences(t, path, rel)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked %d files: the walk missed the repository", files)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

// recording are the recorder methods that record an event (client-go's and controller-runtime's recorders).
var recording = map[string]bool{"Event": true, "Eventf": true, "AnnotatedEventf": true}

// offences lists what in one file records an event without the catalogue.
func offences(t *testing.T, path, rel string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	aliases := importNames(f)
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		at := func(what string) { out = append(out, rel+":"+strconv.Itoa(fset.Position(n.Pos()).Line)+": "+what) }
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && recording[sel.Sel.Name] && len(n.Args) >= 3 {
				at(sel.Sel.Name + " records an event outside the catalogue: use events.Emit")
			}
		case *ast.CompositeLit:
			if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Event" {
				if pkg, ok := sel.X.(*ast.Ident); ok && aliases[pkg.Name] != "" {
					at("builds a " + aliases[pkg.Name] + " Event: use a catalogue entry and events.Emit")
				}
			}
		}
		return true
	})
	return out
}

// eventPackages are the packages whose Event type no file outside the catalogue builds.
var eventPackages = map[string]bool{
	"github.com/orca-operator/orca/internal/events": true,
	"k8s.io/api/core/v1":                            true,
	"k8s.io/api/events/v1":                          true,
	"k8s.io/api/events/v1beta1":                     true,
}

// importNames maps the names a file imports eventPackages under to their paths.
func importNames(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if !eventPackages[path] {
			continue
		}
		name := filepath.Base(path)
		if strings.HasPrefix(name, "v1") {
			name = filepath.Base(filepath.Dir(path))
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		out[name] = path
	}
	return out
}

// constsOfType lists the string values of the constants of the named type declared in a package folder's non-test files.
func constsOfType(t *testing.T, dir, typ string) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			names = append(names, constNames(decl, typ)...)
		}
	}
	return names
}

func constNames(decl ast.Decl, typ string) []string {
	gd, ok := decl.(*ast.GenDecl)
	if !ok || gd.Tok != token.CONST {
		return nil
	}
	var names []string
	for _, spec := range gd.Specs {
		vs, ok := spec.(*ast.ValueSpec)
		if id, isIdent := vs.Type.(*ast.Ident); !ok || !isIdent || id.Name != typ {
			continue
		}
		for _, v := range vs.Values {
			if lit, isLit := v.(*ast.BasicLit); isLit && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				names = append(names, s)
			}
		}
	}
	return names
}

// docRow is a row of docs/events.md's tables: | `Reason` | Normal or Warning | ...
var docRow = regexp.MustCompile("^\\| `([A-Za-z]+)` \\| (Normal|Warning) \\|")

// docs/events.md lists every entry once, with its type, and nothing else.
func TestDocsListTheCatalogue(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docs", "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[Reason]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if m := docRow.FindStringSubmatch(line); m != nil {
			if _, twice := documented[Reason(m[1])]; twice {
				t.Errorf("docs/events.md lists %s twice", m[1])
			}
			documented[Reason(m[1])] = m[2]
		}
	}
	for _, e := range All() {
		switch typ, ok := documented[e.Reason()]; {
		case !ok:
			t.Errorf("docs/events.md does not list %s", e.Reason())
		case typ != e.Type():
			t.Errorf("docs/events.md gives %s type %s, the catalogue %s", e.Reason(), typ, e.Type())
		}
		delete(documented, e.Reason())
	}
	for r := range documented {
		t.Errorf("docs/events.md lists %s, which the catalogue lacks", r)
	}
}
