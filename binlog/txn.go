package binlog

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrIncident is returned when the source logged an incident event: events are missing from its binary log.
var ErrIncident = errors.New("the source's binary log records an incident (events were lost)")

// Transaction is one event group: its GTID event, the events it logged and the event that committed it, raw.
type Transaction struct {
	GTID GTID
	// Time is when the transaction's first statement started: the GTID event's timestamp (seconds), or MySQL's
	// immediate commit timestamp (microseconds) when the event has one.
	Time time.Time
	// Events are the raw events, GTID event first.
	Events [][]byte
	// Format is the raw format description event the events were logged under.
	Format []byte
	// File and EndPos locate the transaction's end in the source's binary log.
	File   string
	EndPos uint32
}

// Size is the bytes of the transaction's events.
func (t *Transaction) Size() int {
	n := 0
	for _, e := range t.Events {
		n += len(e)
	}
	return n
}

// Assembler turns a stream of events (from a server or a file) into whole transactions. It is not safe for
// concurrent use.
type Assembler struct {
	format    Format
	formatRaw []byte
	// checksummed is assumed for the events before the first format description (the dump's artificial rotate).
	checksummed bool
	file        string
	cur         *Transaction
	// open is true once the group's BEGIN (or MariaDB's implicit one) is seen: it ends at XID or COMMIT.
	open bool
}

// NewAssembler returns an assembler; checksummed says whether events before the first format description
// carry a CRC32 (true on a dump connection that asked for them, false for a file).
func NewAssembler(checksummed bool) *Assembler { return &Assembler{checksummed: checksummed} }

// Format returns the raw format description event in force (nil before the first one).
func (a *Assembler) Format() []byte { return a.formatRaw }

// File is the source's binary log file the events come from (as the last rotate named it).
func (a *Assembler) File() string { return a.file }

// Pending reports whether a transaction has begun and not ended.
func (a *Assembler) Pending() bool { return a.cur != nil }

// Feed takes one raw event and returns the transaction it completes, or nil.
func (a *Assembler) Feed(raw []byte) (*Transaction, error) {
	checksummed := a.checksummed
	if a.formatRaw != nil {
		checksummed = a.format.Checksummed
	}
	ev, err := ParseEvent(raw, checksummed)
	if err != nil {
		return nil, err
	}
	switch ev.Type {
	case FormatDescriptionEvent:
		return nil, a.setFormat(raw)
	case RotateEvent:
		return nil, a.rotate(raw)
	case HeartbeatEvent, GTIDListEvent, BinlogCheckpointEvent, PreviousGTIDsEvent, StopEvent:
		return nil, nil
	case IncidentEvent:
		return nil, ErrIncident
	case AnonymousGTIDEvent:
		return nil, errors.New("the source logs anonymous transactions: GTIDs (gtid_mode=ON) are required")
	case MySQLTaggedGTIDEvent:
		return nil, errors.New("tagged GTIDs (MySQL 8.3+) are not supported by the archive")
	case MariaDBGTIDEvent, MySQLGTIDEvent:
		return nil, a.begin(ev)
	}
	return a.add(ev)
}

func (a *Assembler) setFormat(raw []byte) error {
	if a.cur != nil {
		return fmt.Errorf("%w: format description inside the transaction %s", ErrMalformed, a.cur.GTID)
	}
	f, err := parseFormat(raw)
	if err != nil {
		return err
	}
	a.format, a.formatRaw = f, append([]byte(nil), raw...)
	return nil
}

func (a *Assembler) rotate(raw []byte) error {
	f := a.format
	if a.formatRaw == nil {
		f = Format{Checksummed: a.checksummed}
	}
	r, err := f.ParseRotate(raw)
	if err != nil {
		return err
	}
	if a.cur != nil {
		return fmt.Errorf("%w: rotate inside the transaction %s", ErrMalformed, a.cur.GTID)
	}
	a.file = r.File
	return nil
}

func (a *Assembler) begin(ev Event) error {
	if a.cur != nil {
		return fmt.Errorf("%w: GTID event inside the transaction %s", ErrMalformed, a.cur.GTID)
	}
	if a.formatRaw == nil {
		return fmt.Errorf("%w: GTID event before any format description", ErrMalformed)
	}
	t := &Transaction{Time: time.Unix(int64(ev.Timestamp), 0).UTC(), Format: a.formatRaw, File: a.file,
		Events: [][]byte{append([]byte(nil), ev.Raw...)}}
	if ev.Type == MariaDBGTIDEvent {
		g, err := a.format.ParseMariaGTID(ev.Raw)
		if err != nil {
			return err
		}
		t.GTID = GTID{MariaDB: true, Maria: g.GTID}
		// MariaDB's GTID event stands for BEGIN, except before a standalone statement (DDL).
		a.open = !g.Standalone
	} else {
		g, err := a.format.ParseMySQLGTID(ev.Raw)
		if err != nil {
			return err
		}
		t.GTID = GTID{SID: g.SID, GNO: g.GNO}
		if g.CommitMicros != 0 {
			t.Time = time.UnixMicro(int64(g.CommitMicros)).UTC()
		}
		a.open = false
	}
	a.cur = t
	return nil
}

func (a *Assembler) add(ev Event) (*Transaction, error) {
	if a.cur == nil {
		if ev.Flags&FlagArtificial != 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s event outside a transaction at position %d", ErrMalformed, ev.Type, ev.LogPos)
	}
	t := a.cur
	t.Events = append(t.Events, append([]byte(nil), ev.Raw...))
	t.EndPos = ev.LogPos
	done, err := a.ends(ev, len(t.Events) == 2)
	if err != nil || !done {
		return nil, err
	}
	a.cur, a.open = nil, false
	return t, nil
}

// ends decides whether ev completes the open group; first is true for the event right after the GTID event.
func (a *Assembler) ends(ev Event, first bool) (bool, error) {
	switch ev.Type {
	case XIDEvent, XAPrepareEvent:
		return a.open || first, nil
	case QueryEvent:
		q, err := a.format.ParseQuery(ev.Raw)
		if err != nil {
			return false, err
		}
		word := strings.ToUpper(strings.TrimSpace(q))
		if first && !a.open && word == "BEGIN" {
			a.open = true
			return false, nil
		}
		if !a.open {
			return first, nil // a DDL statement logged on its own
		}
		return word == "COMMIT" || word == "ROLLBACK" || strings.HasPrefix(word, "XA PREPARE"), nil
	}
	// A MySQL group opens with BEGIN or is one DDL statement: any other event first is an open group.
	if first && !a.open {
		a.open = true
	}
	return false, nil
}
