package router

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// readClassicError reads the ERR packet a refused classic client gets in place of the greeting.
func readClassicError(t *testing.T, c net.Conn) (uint16, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(c, hdr); err != nil {
		t.Fatalf("no ERR packet: %v", err)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	payload := make([]byte, n)
	if _, err := io.ReadFull(c, payload); err != nil || hdr[3] != 0 || payload[0] != 0xff {
		t.Fatalf("not an ERR packet with sequence 0: %x %x %v", hdr, payload, err)
	}
	return binary.LittleEndian.Uint16(payload[1:3]), string(payload[3:])
}

// xRefusal connects an X Protocol client (ours) and returns the error the router answers with.
func xRefusal(t *testing.T, addr string) *wire.Error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := xprotocol.Dial(ctx, addr, xprotocol.Config{User: "u", Password: "p"})
	if err == nil {
		_ = s.Close()
		t.Fatal("X session opened through a refusing route")
	}
	var xe *wire.Error
	if !errors.As(err, &xe) {
		t.Fatalf("X client got %v, not a server error", err)
	}
	return xe
}

func TestClassicErrorPacket(t *testing.T) {
	got := classicError(1040, "Too many connections")
	want := append([]byte{23, 0, 0, 0, 0xff, 0x10, 0x04}, "Too many connections"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("packet %x, want %x", got, want)
	}
}

// No member answers: each route refuses with MySQL Router's 2003, which the official Go driver and our X
// client report as server errors.
func TestNoTopologyRefusesEveryRouteWithAnError(t *testing.T) {
	r := startRouter(t, &Server{Members: []string{"127.0.0.1:1"}, MemberXPort: 1})
	db, err := sql.Open("mysql", "u:p@tcp("+r.addr[ClassicRW]+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var me *mysql.MySQLError
	if err := db.Ping(); !errors.As(err, &me) || me.Number != codeCantConnect ||
		!strings.HasPrefix(me.Message, "Can't connect to remote MySQL server for client connected to '127.0.0.1:") ||
		!strings.HasSuffix(me.Message, "(no member of the group answered)") {
		t.Fatalf("classic RW: %v", err)
	}
	code, _ := readClassicError(t, dial(t, r.addr[ClassicRO]))
	for _, route := range []Route{XRW, XRO} {
		if xe := xRefusal(t, r.addr[route]); xe.Code != codeCantConnect || xe.SQLState != "HY000" ||
			xe.Severity != wire.SeverityFatal {
			t.Fatalf("%s: %+v", route, xe)
		}
	}
	if code != codeCantConnect || r.counter(t, "refused", "x_ro", refusedNoTopology) != 1 {
		t.Fatalf("classic RO %d, x_ro no_topology %v", code, r.counter(t, "refused", "x_ro", refusedNoTopology))
	}
	if resp, err := r.http.Client().Get(r.http.URL + "/healthz"); err != nil || resp.StatusCode != 503 {
		t.Fatalf("/healthz without a topology: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
	// Alive all the same: a restart would not bring the members back.
	if resp, err := r.http.Client().Get(r.http.URL + "/livez"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/livez without a topology: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
	// An election (a view with quorum, no primary yet) is a current topology: the router stays Ready.
	r.s.apply(Table{Verdict: VerdictNoPrimary, ViewID: "17000000:3", Roles: map[string]Role{}},
		cause{trigger: "notice", at: time.Now()})
	if !r.s.Healthy() {
		t.Fatal("not Healthy during an election")
	}
	// A topology loop that stopped turning is a wedged router.
	r.s.looped.Store(time.Now().Add(-2 * r.s.liveWindow()).UnixNano())
	if r.s.Live() && r.s.looped.Load() < time.Now().Add(-r.s.liveWindow()).UnixNano() {
		t.Fatal("Live with the topology loop stalled")
	}
}

// Bad input on the one path that reads client bytes (an X client's first frame on a refused connection): a
// huge length prefix or an empty frame still get the error; a slow or silent client is cut at the timeout.
func TestRefusedXClientsSendingBadInput(t *testing.T) {
	r := startRouter(t, &Server{Members: []string{"127.0.0.1:1"}, MemberXPort: 1,
		ConnectTimeout: 300 * time.Millisecond})
	for _, first := range [][]byte{{0xff, 0xff, 0xff, 0xff, 1}, {0, 0, 0, 0}} {
		c := dial(t, r.addr[XRW])
		_, _ = c.Write(first)
		typ, payload := readXFrame(t, c)
		var xe wire.Error
		if typ != wire.ServerError || xe.Unmarshal(payload) != nil || xe.Code != codeCantConnect {
			t.Fatalf("after %x: type %d %+v", first, typ, xe)
		}
	}
	silent := dial(t, r.addr[XRO])
	slow := dial(t, r.addr[XRO])
	go func() { // slowloris: a byte every 100ms of a frame that never completes
		for range 20 {
			if _, err := slow.Write([]byte{0x10}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if !closedByPeer(silent) || !closedByPeer(slow) {
		t.Fatal("a silent or slow client kept its refused connection")
	}
}

func readXFrame(t *testing.T, c net.Conn) (uint8, []byte) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, payload, err := wire.NewFrameReader(c, 0).ReadFrame()
	if err != nil {
		t.Fatalf("read X frame: %v", err)
	}
	return typ, payload
}
