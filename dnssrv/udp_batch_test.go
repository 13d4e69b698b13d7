package dnssrv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestBurstsAreAnsweredToEachSender sends bursts from many sockets at once, so batches mix senders and
// queries: every query gets its own answer (matching id and question) at its own sender, on both read paths.
func TestBurstsAreAnsweredToEachSender(t *testing.T) {
	for _, noBatch := range []bool{false, true} {
		s := &Server{NoUDPBatching: noBatch, UDPReaders: 1}
		addr := startServer(t, s, build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}))
		const senders, perSender = 16, 40
		errs := make(chan error, senders)
		for c := range senders {
			go func() { errs <- burst(addr, uint16(c*perSender), perSender) }()
		}
		for range senders {
			if err := <-errs; err != nil {
				t.Errorf("NoUDPBatching=%v: %v", noBatch, err)
			}
		}
	}
}

// burst sends n queries back to back from one socket, then reads the answers and checks each against its
// query. A burst can overflow the server's socket buffer (UDP drops, as on a real network): unanswered queries
// are sent again, as a resolver would, so the test checks what arrives, not that nothing was dropped.
func burst(addr string, firstID uint16, n int) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	names := []string{"_mysqlx._tcp.mycluster.default.mysql.orca.internal.",
		"_mysql._tcp.primary.mycluster.default.mysql.orca.internal.", "nothing.mycluster.default.mysql.orca.internal."}
	pending := map[uint16][]byte{}
	want := map[uint16]string{}
	for i := range n {
		q := new(dns.Msg).SetQuestion(names[i%len(names)], dns.TypeSRV)
		q.Id = firstID + uint16(i)
		want[q.Id] = q.Question[0].Name
		pending[q.Id], _ = q.Pack()
	}
	for round := 0; len(pending) > 0; round++ {
		if round == 50 {
			return fmt.Errorf("%d queries unanswered after %d sends", len(pending), round)
		}
		for _, wire := range pending {
			if _, err := c.Write(wire); err != nil {
				return err
			}
		}
		if err := readAnswers(c, want, pending); err != nil {
			return err
		}
	}
	return nil
}

// readAnswers reads until nothing arrives for 300 ms, checking each answer and crossing it off pending.
func readAnswers(c net.Conn, want map[uint16]string, pending map[uint16][]byte) error {
	buf := make([]byte, 65535)
	for len(pending) > 0 {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
		var r dns.Msg
		if err := r.Unpack(buf[:n]); err != nil {
			return err
		}
		if name, ok := want[r.Id]; !ok || len(r.Question) != 1 || r.Question[0].Name != name {
			return &unexpectedAnswer{r.String()}
		}
		delete(pending, r.Id)
	}
	return nil
}

type unexpectedAnswer struct{ msg string }

func (e *unexpectedAnswer) Error() string { return "answer to no pending query: " + e.msg }
