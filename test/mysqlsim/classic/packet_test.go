package classic

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

type loop struct {
	io.Reader
	io.Writer
}

func TestPacketSplittingAtChunkBoundaries(t *testing.T) {
	for _, n := range []int{0, 1, maxChunk - 1, maxChunk, maxChunk + 1, 2 * maxChunk} {
		var wire bytes.Buffer
		w := newPacketIO(loop{nil, &wire}, 0)
		w.seq = 254 // the sequence id wraps from 255 to 0 inside a split packet
		payload := bytes.Repeat([]byte{'p'}, n)
		if err := w.writePacket(payload); err != nil {
			t.Fatal(err)
		}
		if err := w.writePacket([]byte("next")); err != nil {
			t.Fatal(err)
		}
		_ = w.flush()
		wantChunks := n/maxChunk + 1 // a payload ending on a boundary is closed by an empty packet
		if got := wire.Len() - n - 8; got != 4*wantChunks {
			t.Fatalf("%d bytes: %d header bytes, want %d chunks", n, got, wantChunks)
		}
		r := newPacketIO(loop{&wire, nil}, 3*maxChunk)
		r.seq = 254
		got, err := r.readPacket()
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: read back %d bytes, %v", n, len(got), err)
		}
		if next, err := r.readPacket(); err != nil || string(next) != "next" {
			t.Fatalf("%d bytes: packet after it: %q %v", n, next, err)
		}
		if r.seq != w.seq {
			t.Fatalf("%d bytes: reader at seq %d, writer at %d", n, r.seq, w.seq)
		}
	}
}

func TestPacketLimitCountsTheJoinedPayload(t *testing.T) {
	var wire bytes.Buffer
	w := newPacketIO(loop{nil, &wire}, 0)
	_ = w.writePacket(make([]byte, maxChunk+10))
	_ = w.flush()
	r := newPacketIO(loop{&wire, nil}, maxChunk+9)
	if _, err := r.readPacket(); !errors.Is(err, ErrPacketTooLarge) {
		t.Fatalf("got %v, want ErrPacketTooLarge", err)
	}
	wire.Reset()
	_ = w.writePacket([]byte{1})
	_ = w.flush()
	r = newPacketIO(loop{&wire, nil}, 10)
	if _, err := r.readPacket(); !errors.Is(err, ErrPacketsOutOfOrder) {
		t.Fatalf("got %v, want ErrPacketsOutOfOrder", err)
	}
	if r.seq != 3 { // the writer sent seq 2; the reply goes out as 3
		t.Fatalf("seq after out-of-order packet = %d, want 3", r.seq)
	}
}

func TestLenEncRoundTrip(t *testing.T) {
	for _, n := range []uint64{0, 250, 251, 1<<16 - 1, 1 << 16, 1<<24 - 1, 1 << 24, 1<<64 - 1} {
		b := appendLenEncInt(nil, n)
		d := &decoder{b: b}
		if got := d.lenEncInt(); got != n || d.err != nil || len(d.b) != 0 {
			t.Fatalf("%d encoded as %x decodes to %d (%v)", n, b, got, d.err)
		}
	}
	for _, bad := range [][]byte{{0xfb}, {0xff}, {0xfc, 1}, {0xfd, 1, 2}, {0xfe, 1}, {3, 'a'}} {
		d := &decoder{b: bad}
		d.lenEncBytes()
		if d.err == nil {
			t.Fatalf("%x decoded without error", bad)
		}
	}
}
