package wire

// ColumnType is Resultset.ColumnMetaData.FieldType: how a row field is encoded.
type ColumnType uint8

// Column types.
const (
	ColumnSint     ColumnType = 1
	ColumnUint     ColumnType = 2
	ColumnDouble   ColumnType = 5
	ColumnFloat    ColumnType = 6
	ColumnBytes    ColumnType = 7
	ColumnTime     ColumnType = 10
	ColumnDatetime ColumnType = 12
	ColumnSet      ColumnType = 15
	ColumnEnum     ColumnType = 16
	ColumnBit      ColumnType = 17
	ColumnDecimal  ColumnType = 18
)

// Content types of BYTES columns and DATETIME columns.
const (
	ContentTypeGeometry = 1 // BYTES
	ContentTypeJSON     = 2 // BYTES
	ContentTypeXML      = 3 // BYTES
	ContentTypeDate     = 1 // DATETIME: a DATE column (no time part)
	ContentTypeDatetime = 2 // DATETIME
)

// Column flags (type specific, as MySQL sets them).
const (
	FlagUnsigned  = 0x0001 // SINT/UINT/DOUBLE/FLOAT/DECIMAL: UNSIGNED
	FlagTimestamp = 0x0001 // DATETIME: a TIMESTAMP column
	FlagNotNull   = 0x0010
	FlagPrimary   = 0x0020
)

// Collations MySQL uses in X Protocol metadata.
const (
	CollationBinary        = 63
	CollationUTF8MB4Ai0900 = 255
)

// ColumnMetaData is a Resultset.ColumnMetaData message.
type ColumnMetaData struct {
	Type             ColumnType
	Name             string
	OriginalName     string
	Table            string
	OriginalTable    string
	Schema           string
	Catalog          string
	Collation        uint64
	FractionalDigits uint32
	Length           uint32
	Flags            uint32
	ContentType      uint32
}

// MessageType implements Message.
func (m *ColumnMetaData) MessageType() uint8 { return ServerResultsetColumnMetaData }

// AppendPayload implements Message.
func (m *ColumnMetaData) AppendPayload(b []byte) []byte {
	b = appendVarintField(b, 1, uint64(m.Type))
	for i, s := range [...]string{m.Name, m.OriginalName, m.Table, m.OriginalTable, m.Schema, m.Catalog} {
		if s != "" || i == 0 {
			b = appendStringField(b, protoNum(i+2), s)
		}
	}
	for i, v := range [...]uint64{m.Collation, uint64(m.FractionalDigits), uint64(m.Length), uint64(m.Flags),
		uint64(m.ContentType)} {
		if v != 0 {
			b = appendVarintField(b, protoNum(i+8), v)
		}
	}
	return b
}

// Unmarshal decodes a ColumnMetaData payload (strings are copied).
func (m *ColumnMetaData) Unmarshal(b []byte) error {
	*m = ColumnMetaData{}
	seen := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			m.Type = ColumnType(r.varint())
			seen = true
		case 2, 3, 4, 5, 6, 7:
			m.setString(int(r.num), string(r.bytes()))
		case 8:
			m.Collation = r.varint()
		case 9:
			m.FractionalDigits = uint32(r.varint())
		case 10:
			m.Length = uint32(r.varint())
		case 11:
			m.Flags = uint32(r.varint())
		case 12:
			m.ContentType = uint32(r.varint())
		}
	}
	if r.err == nil && !seen {
		return missing("ColumnMetaData", "type")
	}
	return r.err
}

func (m *ColumnMetaData) setString(num int, s string) {
	switch num {
	case 2:
		m.Name = s
	case 3:
		m.OriginalName = s
	case 4:
		m.Table = s
	case 5:
		m.OriginalTable = s
	case 6:
		m.Schema = s
	case 7:
		m.Catalog = s
	}
}

// Row is a Resultset.Row message: one encoded field per column (decode them with DecodeValue or the
// typed Decode* functions). An empty field is NULL.
type Row struct{ Fields [][]byte }

// MessageType implements Message.
func (m *Row) MessageType() uint8 { return ServerResultsetRow }

// AppendPayload implements Message.
func (m *Row) AppendPayload(b []byte) []byte {
	for _, f := range m.Fields {
		b = appendBytesField(b, 1, f)
	}
	return b
}

// Unmarshal decodes a Row payload. Fields alias b and the Fields slice is reused, so decoding rows in a
// loop does not allocate.
func (m *Row) Unmarshal(b []byte) error {
	m.Fields = m.Fields[:0]
	r := newFieldReader(b)
	for r.next() {
		if r.num == 1 {
			v := r.bytes()
			if r.err == nil {
				m.Fields = append(m.Fields, v)
			}
		}
	}
	return r.err
}
