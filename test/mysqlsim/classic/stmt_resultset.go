package classic

// writeBinaryResultSet sends a result set of COM_STMT_EXECUTE: the column count and definitions as in the
// text protocol, then ProtocolBinary::ResultsetRow rows.
func (c *Conn) writeBinaryResultSet(r *Result, status StatusFlag) {
	defs, cells := binaryColumns(r)
	c.write(appendLenEncInt(nil, uint64(len(defs))))
	for i := range defs {
		c.write(defs[i].encode())
	}
	c.endDefinitions()
	var row []byte
	for _, rowCells := range cells {
		row = appendBinaryRow(row[:0], rowCells)
		c.write(row)
	}
	c.writeEOF(status, r.Warnings)
}

// binaryColumns resolves the columns of r and encodes every cell (row-major; nil is NULL). A column whose
// type cannot carry one of its values (an integer column holding "n/a", a DATETIME column holding text
// that is no date) is sent as VARCHAR with the values' text, so the packet always matches its definitions.
func binaryColumns(r *Result) ([]columnDef, [][][]byte) {
	defs := resolveColumns(r)
	cells := make([][][]byte, len(r.Rows))
	for i := range cells {
		cells[i] = make([][]byte, len(defs))
	}
	for j := range defs {
		if !encodeColumn(r.Rows, cells, j, &defs[j]) {
			asText(&defs[j], r.Rows, j)
			encodeColumn(r.Rows, cells, j, &defs[j])
		}
	}
	return defs, cells
}

// encodeColumn encodes column j of every row, reporting false at the first value the type cannot carry.
func encodeColumn(rows [][]any, cells [][][]byte, j int, def *columnDef) bool {
	for i, row := range rows {
		v := normalize(row[j])
		if v == nil {
			cells[i][j] = nil
			continue
		}
		enc, ok := appendBinaryCell(nil, v, def)
		if !ok {
			return false
		}
		cells[i][j] = enc
	}
	return true
}

// asText turns a column definition into the VARCHAR that carries its values' text.
func asText(def *columnDef, rows [][]any, j int) {
	_, _, width := scanColumn(rows, j)
	notNull := def.flags & flagNotNull
	def.Type, def.Unsigned = TypeVarString, false
	def.charset, def.length, def.decimals = typeMetrics(TypeVarString, false, width, 0)
	def.flags = typeFlags(TypeVarString, def.charset, false) | notNull
}
