package specs

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

const testGroup = "8a94f357-aab4-11df-86ab-c80aa9429562"

// lines returns the option lines of a rendered file (no blanks, comments or group headers).
func optionLines(cnf string) []string {
	var out []string
	for _, l := range strings.Split(cnf, "\n") {
		if optionName(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestMyCnfPutsUserOptionsFirstAndOrcaLast(t *testing.T) {
	c := cluster(3)
	c.Spec.Mycnf = "[mysqld]\nmax_connections=500\ninnodb_buffer_pool_size=1G"
	out := RenderMyCnf(c, testGroup)
	user := strings.Index(out, "max_connections=500")
	owned := strings.Index(out, "loose_group_replication_group_name="+testGroup)
	header := strings.LastIndex(out, "[mysqld]")
	if user < 0 || owned < 0 || user > header || header > owned {
		t.Fatalf("user options must come first, then a [mysqld] header, then Orca's:\n%s", out)
	}
	if strings.Count(out, "[mysqld]") != 2 {
		t.Fatalf("want the user's block and Orca's under their own [mysqld] headers:\n%s", out)
	}
	if ConfigHash(out) == ConfigHash(RenderMyCnf(cluster(3), testGroup)) {
		t.Fatal("config hash ignores spec.mycnf")
	}
	if plain := RenderMyCnf(cluster(3), testGroup); strings.Count(plain, "[mysqld]") != 1 {
		t.Fatalf("without spec.mycnf one header is enough:\n%s", plain)
	}
}

// A user section header cannot capture Orca's options: they are always under [mysqld].
func TestMyCnfOwnedOptionsStayInMysqld(t *testing.T) {
	c := cluster(3)
	c.Spec.Mycnf = "max_connections=500\n[client]\ndefault-character-set=utf8mb4"
	out := RenderMyCnf(c, testGroup)
	client := strings.Index(out, "[client]")
	if h := strings.LastIndex(out, "[mysqld]"); h < client || strings.Index(out, "gtid_mode=ON") < h {
		t.Fatalf("Orca's options must follow a [mysqld] header after the user's [client]:\n%s", out)
	}
}

// An owned option stored before the CRD refused it (an old object) is written as a comment, not as an option.
func TestMyCnfCommentsOutOwnedUserOptions(t *testing.T) {
	c := cluster(3)
	c.Spec.Mycnf = "max_connections=500\nloose-group-replication-bootstrap-group=ON\n  SKIP_NETWORKING\nserver_id=7"
	out := RenderMyCnf(c, testGroup)
	for _, l := range optionLines(out) {
		if strings.Contains(strings.ToLower(l), "bootstrap") || strings.Contains(strings.ToLower(l), "networking") ||
			l == "server_id=7" {
			t.Errorf("owned user option written as an option: %q", l)
		}
	}
	if !strings.Contains(out, "# refused, Orca owns this option: loose-group-replication-bootstrap-group=ON") {
		t.Fatalf("refused line not kept as a comment:\n%s", out)
	}
	if !strings.Contains(out, "\nmax_connections=500\n") {
		t.Fatalf("ordinary option dropped:\n%s", out)
	}
}

// The official image runs mysqld --verbose --help and --initialize-insecure without loading plugins: every
// plugin option must be loose_ or mysqld aborts on an unknown variable.
func TestPluginOptionsAreLooseInBothFiles(t *testing.T) {
	shared := RenderMyCnf(cluster(3), testGroup)
	member := RenderMemberCnf(1000, 2, MemberHost(cluster(3), 2, ""))
	seen := 0
	for _, l := range append(optionLines(shared), optionLines(member)...) {
		name := strings.ToLower(optionName(l))
		bare := strings.TrimPrefix(name, "loose_")
		if strings.HasPrefix(bare, "group_replication") || strings.HasPrefix(bare, "clone") {
			seen++
			if !strings.HasPrefix(name, "loose_") {
				t.Errorf("plugin option without loose_: %q", l)
			}
		} else if name != bare {
			t.Errorf("server option %q needs no loose_", l)
		}
	}
	if seen < 8 {
		t.Fatalf("only %d plugin options rendered", seen)
	}
}

// Everything Orca writes is owned: a user cannot set it, so it cannot be overridden from spec.mycnf.
func TestRenderedOptionsAreOwned(t *testing.T) {
	shared := RenderMyCnf(cluster(3), testGroup)
	member := RenderMemberCnf(1000, 2, MemberHost(cluster(3), 2, ""))
	for _, l := range append(optionLines(shared), optionLines(member)...) {
		if !IsOwnedOption(optionName(l)) {
			t.Errorf("Orca writes %q but does not own it: add it to OwnedOptions", l)
		}
	}
}

func TestMemberCnfUsesTheMySQLCommunicationStack(t *testing.T) {
	c := cluster(3)
	host := MemberHost(c, 2, "")
	if host != "db-2.db-instances.team-a.svc.cluster.local" {
		t.Fatalf("host %q", host)
	}
	cnf := RenderMemberCnf(c.Spec.BaseServerID, 2, host)
	for _, want := range []string{"server_id=1002\n", "report_host=" + host + "\n",
		"loose_group_replication_local_address=" + host + ":3306\n"} {
		if !strings.Contains(cnf, want) {
			t.Fatalf("member cnf lacks %q:\n%s", want, cnf)
		}
	}
	if shared := RenderMyCnf(c, testGroup); !strings.Contains(shared,
		"loose_group_replication_communication_stack=MYSQL\n") {
		t.Fatalf("shared cnf does not choose the MYSQL stack:\n%s", shared)
	}
	if PortGroup != PortMySQL {
		t.Fatal("with the MYSQL stack the group address is the classic port")
	}
}

// A pod started before Orca managed TLS keeps the group's connections encrypted but unverified, on the adopted
// members too: they could not verify it. Once every pod carries Orca's TLS material the mode is verified.
func TestGroupSSLModeWhileAdopting(t *testing.T) {
	withTLS := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{v1.AnnotationTLSHash: "h"}}}
	preTLS := corev1.Pod{}
	if got := GroupSSLModeFor(GroupSSLVerifyIdentity, []corev1.Pod{withTLS, withTLS}); got != GroupSSLVerifyIdentity {
		t.Fatalf("every pod adopted: %s", got)
	}
	got := GroupSSLModeFor(GroupSSLVerifyIdentity, []corev1.Pod{withTLS, preTLS})
	if got != GroupSSLRequired {
		t.Fatalf("a pod started before TLS: %s", got)
	}
	cnf := RenderMyCnfWith(&v1.InnoDBCluster{}, "g", MyCnfOptions{GroupSSLMode: got})
	for _, line := range []string{"loose_group_replication_ssl_mode=REQUIRED\n",
		"loose_group_replication_recovery_ssl_verify_server_cert=OFF\n", "ssl_ca=" + TLSCADir + "/ca.crt\n"} {
		if !strings.Contains(cnf, line) {
			t.Errorf("my.cnf lacks %q:\n%s", line, cnf)
		}
	}
}
