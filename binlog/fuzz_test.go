package binlog

import (
	"bytes"
	"os"
	"testing"
)

func seedFile(f *testing.F) []byte {
	b, err := os.ReadFile("testdata/mariadb-10.11.binlog")
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzReadFile: archived segments come back from object storage, untrusted.
func FuzzReadFile(f *testing.F) {
	file := seedFile(f)
	f.Add(file)
	f.Add(file[:len(file)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		txns, err := ReadFile(b)
		if err != nil || len(txns) == 0 {
			return
		}
		for _, txn := range txns {
			if !bytes.Equal(txn.Format, txns[0].Format) {
				return
			}
		}
		var out bytes.Buffer
		if _, err := WriteFile(&out, txns[0].Format, txns); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		back, err := ReadFile(out.Bytes())
		if err != nil || len(back) != len(txns) {
			t.Fatalf("rewritten file: %d of %d transactions, %v", len(back), len(txns), err)
		}
	})
}

// FuzzStream: what a source (or anything answering on its port) sends after COM_BINLOG_DUMP.
func FuzzStream(f *testing.F) {
	file := seedFile(f)[len(FileMagic):]
	var wire bytes.Buffer
	w := &packetConn{rw: &wire}
	for len(file) >= HeaderLen {
		h, _ := ParseHeader(file)
		_ = w.writeCommand(append([]byte{0}, file[:h.Size]...))
		file = file[h.Size:]
	}
	f.Add(sequenced(wire.Bytes()))
	f.Add([]byte{7, 0, 0, 0, 0xff, 0xd4, 0x04, '#', 'H', 'Y', '0'})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &packetConn{rw: bytes.NewBuffer(b), limit: 1 << 20}
		a := NewAssembler(true)
		for range 1000 {
			pkt, err := p.readPacket()
			if err != nil {
				return
			}
			ev, err := parseResponse(pkt)
			if err != nil {
				return
			}
			if _, err := a.Feed(ev); err != nil {
				return
			}
		}
	})
}

// sequenced renumbers the packets of a stream 0, 1, 2... as one server reply.
func sequenced(b []byte) []byte {
	out := bytes.Clone(b)
	for off, seq := 0, byte(0); off+4 <= len(out); seq++ {
		n := int(out[off]) | int(out[off+1])<<8 | int(out[off+2])<<16
		out[off+3] = seq
		off += 4 + n
	}
	return out
}

// FuzzGreeting: the server's greeting is read before its certificate is verified.
func FuzzGreeting(f *testing.F) {
	f.Add(testGreeting())
	f.Add(testGreeting()[:30])
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := parseGreeting(b)
		if err == nil && len(g.nonce) > len(b) {
			t.Fatalf("a nonce of %d bytes from %d", len(g.nonce), len(b))
		}
	})
}
