package dnssrv

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// TestBatchedReaderAllocatesNothing: a full batch read, answered and sent allocates nothing, like one query
// on the unbatched path.
func TestBatchedReaderAllocatesNothing(t *testing.T) {
	s := &Server{}
	if err := s.SetZone(build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})); err != nil {
		t.Fatal(err)
	}
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	cli, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cli.Close() }()
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r := newBatchReader(s, rc)
	wire, _ := new(dns.Msg).SetQuestion("_mysqlx._tcp.mycluster.default.mysql.orca.internal.", dns.TypeSRV).Pack()
	in := make([]byte, 4096)
	var answered int
	allocs := testing.AllocsPerRun(50, func() {
		for range 8 {
			_, _ = cli.Write(wire)
		}
		if r.read() != nil {
			return
		}
		r.answerAll()
		if r.flush() != nil {
			return
		}
		for range r.toSend {
			if n, err := cli.Read(in); err == nil && n > 0 {
				answered++
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per batch, want 0", allocs)
	}
	if answered < 8*50 {
		t.Errorf("%d answers read, want at least %d", answered, 8*50)
	}
}

// TestOversizedDatagramIsDroppedNotMisread: a query longer than a batch slot arrives cut (MSG_TRUNC) and gets
// no answer, rather than an answer to the bytes that fit; the next query is answered.
func TestOversizedDatagramIsDroppedNotMisread(t *testing.T) {
	addr := startServer(t, &Server{UDPReaders: 1}, build(t, Cluster{Name: "mycluster", Namespace: "default",
		Members: threeMembers()}))
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	q := new(dns.Msg).SetQuestion("_mysqlx._tcp.mycluster.default.mysql.orca.internal.", dns.TypeSRV)
	q.Id = 1
	wire, _ := q.Pack()
	if _, err := c.Write(append(wire, make([]byte, batchSlotSize)...)); err != nil {
		t.Fatal(err)
	}
	q.Id = 2
	wire, _ = q.Pack()
	if _, err := c.Write(wire); err != nil {
		t.Fatal(err)
	}
	pending := map[uint16][]byte{2: wire}
	if err := readAnswers(c, map[uint16]string{1: "", 2: q.Question[0].Name}, pending); err != nil || len(pending) != 0 {
		t.Fatalf("the query after the oversized one: %v (unanswered: %d)", err, len(pending))
	}
}
