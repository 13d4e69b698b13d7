package pitr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/binlog"
)

// flush uploads the pending segment, then its index entry. Until the entry is written the segment does not
// count: a crash in between writes it again under the same number.
func (a *Archiver) flush(ctx context.Context) error {
	if a.seg == nil {
		return nil
	}
	p := a.seg
	var file bytes.Buffer
	size, err := binlog.WriteFile(&file, p.txns[0].Format, p.txns)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(file.Bytes())
	first, last := p.txns[0], p.txns[len(p.txns)-1]
	seg := Segment{Seq: a.next, Flavor: flavor(a.state.MariaDB), Size: size, SHA256: hex.EncodeToString(sum[:]),
		Transactions: len(p.txns), FirstGTID: first.GTID.String(), LastGTID: last.GTID.String(),
		FirstTime: first.Time, LastTime: last.Time, StartSet: a.archived.String(), EndSet: a.state.String(),
		Source: p.source, SourceServerID: p.serverID}
	if err := put(ctx, a.cfg.Store, SegmentKey(seg.Seq), file.Bytes()); err != nil {
		return err
	}
	seg.ArchivedAt = time.Now().UTC()
	entry, err := json.Marshal(seg)
	if err != nil {
		return fmt.Errorf("encode index entry %d: %w", seg.Seq, err)
	}
	if err := put(ctx, a.cfg.Store, IndexKey(seg.Seq), entry); err != nil {
		return err
	}
	a.seg, a.next, a.archived = nil, a.next+1, a.state.Clone()
	a.beacon.archived(seg.EndSet)
	a.cfg.Log.V(1).Info("archived a segment", "segment", seg.Seq, "transactions", seg.Transactions,
		"lastGTID", seg.LastGTID, "bytes", seg.Size)
	if a.cfg.OnSegment != nil {
		a.cfg.OnSegment(seg)
	}
	return nil
}

func put(ctx context.Context, st backup.Store, key string, b []byte) error {
	w, err := st.Create(ctx, key)
	if err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if _, err := w.Write(b); err != nil {
		_ = w.Abort()
		return fmt.Errorf("upload %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", key, err)
	}
	return nil
}
