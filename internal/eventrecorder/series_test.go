package eventrecorder

import (
	"testing"
	"time"
)

func TestWriteOnRepeatAtPowersOfTwo(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var written []int32
	for c := int32(2); c <= 70; c++ {
		if writeOnRepeat(c, at, at.Add(time.Minute)) {
			written = append(written, c)
		}
	}
	want := []int32{2, 4, 8, 16, 32, 64}
	if len(written) != len(want) {
		t.Fatalf("written at %v, want %v", written, want)
	}
	for i := range want {
		if written[i] != want[i] {
			t.Fatalf("written at %v, want %v", written, want)
		}
	}
}

func TestWriteOnRepeatAfterRewriteAfter(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if writeOnRepeat(5, at, at.Add(RewriteAfter-time.Second)) {
		t.Error("count 5 written before RewriteAfter")
	}
	if !writeOnRepeat(5, at, at.Add(RewriteAfter)) {
		t.Error("count 5 not written after RewriteAfter")
	}
}

func TestEnded(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if ended(at, at.Add(EndAfter-time.Second)) {
		t.Error("ended before EndAfter")
	}
	if !ended(at, at.Add(EndAfter)) {
		t.Error("not ended at EndAfter")
	}
}
