package dnssrv

import (
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestDigAnswersThePrimaryFirst(t *testing.T) {
	addr := startServer(t, &Server{}, build(t, Cluster{Name: "mycluster", Namespace: "default",
		Members: threeMembers()}))
	host, port := hostPort(t, addr)
	out := run(t, "dig", "@"+host, "-p", port, "SRV", "_mysqlx._tcp.mycluster.default.mysql.orca.internal")
	for _, want := range []string{"status: NOERROR", "flags: qr aa rd;", "ANSWER: 3", "ADDITIONAL: 4",
		"_mysqlx._tcp.mycluster.default.mysql.orca.internal. 1 IN SRV 0 100 33060 mycluster-0.", "udp: 1232",
		"mycluster-0.mycluster.default.mysql.orca.internal. 5 IN A 10.0.0.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dig output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "SRV 0 ") > strings.Index(out, "SRV 10 ") {
		t.Errorf("the primary does not come first:\n%s", out)
	}
	if !strings.Contains(out, "recursion requested but not available") {
		t.Errorf("dig does not see recursion refused:\n%s", out)
	}
}

func TestDigNegativeAnswersAndRefusals(t *testing.T) {
	addr := startServer(t, &Server{}, build(t, Cluster{Name: "mycluster", Namespace: "default",
		Members: threeMembers()}))
	host, port := hostPort(t, addr)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"SRV", "_mysql._tcp.nope.default.mysql.orca.internal"},
			[]string{"status: NXDOMAIN", "AUTHORITY: 1", "IN SOA ns.mysql.orca.internal."}},
		{[]string{"TXT", "_mysql._tcp.mycluster.default.mysql.orca.internal"},
			[]string{"status: NOERROR", "ANSWER: 0, AUTHORITY: 1", "IN SOA"}},
		{[]string{"SRV", "mycluster.default.mysql.orca.internal"}, []string{"status: NOERROR", "ANSWER: 0"}},
		{[]string{"A", "example.com"}, []string{"status: REFUSED", "ANSWER: 0"}},
		{[]string{"AXFR", "mysql.orca.internal"}, []string{"Transfer failed"}},
		{[]string{"-c", "CH", "TXT", "version.bind"}, []string{"status: REFUSED"}},
		{[]string{"+edns=1", "SOA", "mysql.orca.internal"}, []string{"BADVERS, retrying with EDNS version 0"}},
		{[]string{"ANY", "_mysql._tcp.primary.mycluster.default.mysql.orca.internal"},
			[]string{"status: NOERROR", "ANSWER: 1", "IN SRV 0 100 3306"}},
	} {
		out := run(t, "dig", append([]string{"@" + host, "-p", port, "+tries=1"}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("dig %v lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestTruncationOverUDPThenTCP(t *testing.T) {
	addr := startServer(t, &Server{}, build(t, bigCluster(40)))
	host, port := hostPort(t, addr)
	name := "_mysql._tcp.mycluster.default.mysql.orca.internal"
	out := run(t, "dig", "@"+host, "-p", port, "+ignore", "+noedns", "SRV", name)
	if !regexp.MustCompile(`flags: qr aa tc rd;`).MatchString(out) || !strings.Contains(out, "ANSWER: 0") {
		t.Errorf("no TC over UDP at 512 bytes:\n%s", out)
	}
	out = run(t, "dig", "@"+host, "-p", port, "SRV", name) // retries over TCP
	if !strings.Contains(out, "ANSWER: 40") {
		t.Errorf("TCP retry did not get 40 records:\n%s", out)
	}
	out = run(t, "kdig", "@"+host, "-p", port, "+tcp", "SRV", name)
	if !strings.Contains(out, "ANSWER: 40") {
		t.Errorf("kdig over TCP did not get 40 records:\n%s", out)
	}
	out = run(t, "kdig", "@"+host, "-p", port, "+notcp", "+bufsize=4096", "SRV", name)
	if !strings.Contains(out, "Flags: qr aa tc rd;") || !strings.Contains(out, "UDP size: 1232 B") {
		t.Errorf("kdig with a 4096-byte buffer: the answer is not capped at our 1232 with TC:\n%s", out)
	}
}

func TestKdigEDNSAndCase(t *testing.T) {
	addr := startServer(t, &Server{}, build(t, Cluster{Name: "mycluster", Namespace: "default",
		Members: threeMembers()}))
	host, port := hostPort(t, addr)
	out := run(t, "kdig", "@"+host, "-p", port, "+dnssec", "SRV",
		"_mysql._tcp.primary.mycluster.default.mysql.orca.internal")
	for _, want := range []string{"NOERROR", "Version: 0; flags: do; UDP size: 1232 B",
		"_mysql._tcp.primary.mycluster.default.mysql.orca.internal. 1 IN SRV 0 100 3306"} {
		if !strings.Contains(out, want) {
			t.Errorf("kdig lacks %q:\n%s", want, out)
		}
	}
	// kdig lower-cases names; the miekg client sends them as given (DNS 0x20 clients check the echo).
	mixed := "_MySQL._TCP.primary.MyCluster.default.mysql.ORCA.internal."
	r := exchange(t, "udp", addr, new(dns.Msg).SetQuestion(mixed, dns.TypeSRV))
	if r.Question[0].Name != mixed || len(r.Answer) != 1 || r.Answer[0].Header().Name != mixed {
		t.Errorf("case not echoed: %v", r)
	}
	out = run(t, "kdig", "@"+host, "-p", port, "ANY", "mysql.orca.internal")
	if !strings.Contains(out, "ANSWER: 1") || !strings.Contains(out, "SOA") {
		t.Errorf("ANY at the apex is not one RRset (RFC 8482):\n%s", out)
	}
}

func TestTransferNeedsAnAllowedKey(t *testing.T) {
	s := &Server{TransferKeys: map[string]string{"xfr.": testKeySecret}}
	addr := startServer(t, s, build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}))
	host, port := hostPort(t, addr)
	out := run(t, "dig", "@"+host, "-p", port, "-y", "hmac-sha256:xfr:"+testKeySecret, "AXFR",
		"mysql.orca.internal")
	if n := strings.Count(out, "IN SOA"); n != 2 || !strings.Contains(out, "XFR size: ") ||
		!strings.Contains(out, "IN SRV 0 100 33060 mycluster-0.") {
		t.Errorf("signed AXFR: %d SOA, want the zone between two:\n%s", n, out)
	}
	out = run(t, "dig", "@"+host, "-p", port, "AXFR", "mysql.orca.internal")
	if !strings.Contains(out, "Transfer failed") {
		t.Errorf("unsigned AXFR was not refused:\n%s", out)
	}
	out = run(t, "dig", "@"+host, "-p", port, "-y", "hmac-sha256:other:"+testKeySecret, "AXFR",
		"mysql.orca.internal")
	if strings.Contains(out, "IN SRV") {
		t.Errorf("AXFR with an unknown key was answered:\n%s", out)
	}
}

func TestSetZoneSwapsTheAnswer(t *testing.T) {
	s := &Server{}
	addr := startServer(t, s, build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}))
	q := new(dns.Msg).SetQuestion("_mysql._tcp.primary.mycluster.default.mysql.orca.internal.", dns.TypeSRV)
	if r := exchange(t, "udp", addr, q); len(r.Answer) != 1 ||
		r.Answer[0].(*dns.SRV).Target != "mycluster-0.mycluster.default.mysql.orca.internal." {
		t.Fatalf("before: %v", r.Answer)
	}
	ms := threeMembers()
	ms[0].Role, ms[1].Role = RolePrimary, RoleSecondary // switchover to mycluster-1
	z, _ := Build(ZoneConfig{Serial: 2}, []Cluster{{Name: "mycluster", Namespace: "default", Members: ms}})
	if err := s.SetZone(z); err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		if r := exchange(t, network, addr, q); len(r.Answer) != 1 ||
			r.Answer[0].(*dns.SRV).Target != "mycluster-1.mycluster.default.mysql.orca.internal." {
			t.Errorf("after over %s: %v", network, r.Answer)
		}
	}
}

func TestOddMessages(t *testing.T) {
	s := &Server{}
	if err := s.SetZone(build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})); err != nil {
		t.Fatal(err)
	}
	q := new(dns.Msg).SetQuestion("mysql.orca.internal.", dns.TypeSOA)
	wire, _ := q.Pack()
	resp := append([]byte(nil), wire...)
	resp[2] |= flagQR
	notify := new(dns.Msg).SetNotify("mysql.orca.internal.")
	notifyWire, _ := notify.Pack()
	for _, tc := range []struct {
		name  string
		msg   []byte
		rcode int // -1: no answer
	}{
		{"a response", resp, -1},
		{"a runt", wire[:5], -1},
		{"garbage after the header", append(append([]byte(nil), wire[:12]...), 0xff, 0xff), dns.RcodeFormatError},
		{"NOTIFY", notifyWire, dns.RcodeNotImplemented},
		{"compression loop", []byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1},
			dns.RcodeFormatError},
	} {
		out := s.Answer(nil, tc.msg, true)
		if tc.rcode < 0 {
			if out != nil {
				t.Errorf("%s: answered %x", tc.name, out)
			}
			continue
		}
		if len(out) < headerLen || int(out[3]&0x0f) != tc.rcode || out[2]&flagQR == 0 {
			t.Errorf("%s: %x, want rcode %d", tc.name, out, tc.rcode)
		}
	}
}

func TestSteadyStateQueriesAllocateNothing(t *testing.T) {
	s := &Server{}
	if err := s.SetZone(build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})); err != nil {
		t.Fatal(err)
	}
	q := new(dns.Msg).SetQuestion("_mysqlx._tcp.mycluster.default.mysql.orca.internal.", dns.TypeSRV)
	q.SetEdns0(1232, false)
	wire, _ := q.Pack()
	nodata := new(dns.Msg).SetQuestion("_mysqlx._tcp.mycluster.default.mysql.orca.internal.", dns.TypeTXT)
	nodataWire, _ := nodata.Pack()
	dst, pq := make([]byte, 0, 4096), new(query)
	for _, tc := range []struct {
		name string
		msg  []byte
	}{{"SRV", wire}, {"NODATA", nodataWire}} {
		if allocs := testing.AllocsPerRun(200, func() { dst = s.answer(dst, tc.msg, pq, true) }); allocs != 0 {
			t.Errorf("%s: %.1f allocations per query, want 0", tc.name, allocs)
		}
	}
	var r dns.Msg
	if err := r.Unpack(dst); err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("NODATA answer: %v %v", err, &r)
	}
}
