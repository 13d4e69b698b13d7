package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/test/apicount"
)

// chartAccount is the ServiceAccount the orca chart runs the operator as (release orca in orca-system).
const chartAccount = "orca"

// chartIdentity installs the orca chart's ServiceAccount and RBAC as `helm template` renders them and returns a
// rest.Config that authenticates as that ServiceAccount with a token the API server issued: every case runs the
// operator with exactly the permissions the chart grants, not as an admin.
func chartIdentity(tb testing.TB, admin *rest.Config, c client.Client) *rest.Config {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		tb.Fatal(err)
	}
	for _, obj := range chartRBAC(tb) {
		if err := c.Create(ctx, obj); err != nil {
			tb.Fatalf("create the chart's %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: chartAccount, Namespace: operatorNamespace}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To[int64](4 * 3600)}}
	if err := c.SubResource("token").Create(ctx, sa, req); err != nil {
		tb.Fatalf("request a token of the chart's service account: %v", err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = req.Status.Token
	checkNotAdmin(ctx, tb, cfg)
	return cfg
}

// checkNotAdmin makes sure the identity is the chart's ServiceAccount and holds no admin rights (it may not
// create namespaces, which the chart never grants).
func checkNotAdmin(ctx context.Context, tb testing.TB, cfg *rest.Config) {
	tb.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	who, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{},
		metav1.CreateOptions{})
	want := "system:serviceaccount:" + operatorNamespace + ":" + chartAccount
	if err != nil || who.Status.UserInfo.Username != want {
		tb.Fatalf("the operator's identity is %+v (%v), want %s", who, err, want)
	}
	review, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: "create", Resource: "namespaces"}}}, metav1.CreateOptions{})
	if err != nil || review.Status.Allowed {
		tb.Fatalf("the chart's service account may create namespaces (%v): it must not be an admin", err)
	}
}

// chartRBAC is what the orca chart renders for the operator's identity: its ServiceAccount, (Cluster)Roles and
// their bindings.
func chartRBAC(tb testing.TB) []*unstructured.Unstructured {
	tb.Helper()
	out, err := exec.Command(helmBinary(tb, helm3), "template", "orca", chartPath("orca"), "--namespace",
		operatorNamespace, "--kube-version", "v1.37.2").Output()
	if err != nil {
		tb.Fatalf("helm template the orca chart: %v", err)
	}
	var objs []*unstructured.Unstructured
	for _, doc := range bytes.Split(out, []byte("\n---")) {
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			tb.Fatalf("decode the orca chart: %v", err)
		}
		u := &unstructured.Unstructured{Object: m}
		switch u.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			objs = append(objs, u)
		}
	}
	if len(objs) < 3 {
		tb.Fatalf("the orca chart rendered %d RBAC objects", len(objs))
	}
	return objs
}

// forbidden records every request the API server refused with 403, so a permission the chart lacks fails the
// suite even where the operator would retry or carry on without it.
type forbidden struct {
	mu   sync.Mutex
	seen map[string]int
}

// Wrap is a rest.Config WrapTransport.
func (f *forbidden) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTrip(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil && resp.StatusCode == http.StatusForbidden {
			a, _ := apicount.Parse(req)
			f.mu.Lock()
			if f.seen == nil {
				f.seen = map[string]int{}
			}
			f.seen[fmt.Sprintf("%s (%s %s)", a, req.Method, req.URL.Path)]++
			f.mu.Unlock()
		}
		return resp, err
	})
}

// Refused lists the refused requests.
func (f *forbidden) Refused() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for r, n := range f.seen {
		fmt.Fprintf(&b, "\n  %s x%d", r, n)
	}
	return b.String()
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
