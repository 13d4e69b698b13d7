package kubectlorca

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Options are the flags every command shares (as kubectl spells them) and where output goes.
type Options struct {
	// Kubeconfig is the kubeconfig file; empty follows $KUBECONFIG and ~/.kube/config, as kubectl does.
	Kubeconfig string
	// Context is the kubeconfig context; empty uses the current one.
	Context string
	// Namespace overrides the context's namespace.
	Namespace string

	Out    io.Writer
	ErrOut io.Writer
}

// addFlags registers --kubeconfig, --context and -n/--namespace.
func (o *Options) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "the kubeconfig context to use")
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "the namespace (default the context's)")
}

// session is what a command needs to talk to the API: a client, the namespace and the kubeconfig's user.
type session struct {
	c         client.Client
	namespace string
	// user is the kubeconfig context's user entry, used when the API server cannot say who we are.
	user string
}

func (o *Options) clientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	overrides.Context.Namespace = o.Namespace
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
}

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register Kubernetes types: %w", err)
	}
	if err := v1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register Orca types: %w", err)
	}
	return s, nil
}

// connect loads the kubeconfig and builds the client.
func (o *Options) connect() (*session, error) {
	cc := o.clientConfig()
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, fmt.Errorf("read the namespace from the kubeconfig: %w", err)
	}
	scheme, err := newScheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("create the Kubernetes client: %w", err)
	}
	return &session{c: c, namespace: ns, user: o.kubeconfigUser(cc)}, nil
}

func (o *Options) kubeconfigUser(cc clientcmd.ClientConfig) string {
	raw, err := cc.RawConfig()
	if err != nil {
		return ""
	}
	name := o.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if ctx, ok := raw.Contexts[name]; ok {
		return ctx.AuthInfo
	}
	return ""
}
