package classic

// errMalformed is mysqld's answer to a command packet it cannot parse; the connection stays open.
func errMalformed() *SQLError {
	return NewSQLError(ErMalformedPacket, "HY000", "Malformed communication packet.")
}

// executeRequest is a parsed COM_STMT_EXECUTE.
type executeRequest struct {
	stmtID uint32
	flags  uint8
	// types are the parameter types in force: sent with this request or kept from an earlier one.
	types []paramType
	// args holds one decoded value per parameter (see Stmt.Execute).
	args []any
}

// stmtIDOf reads the statement id that starts the payload of every COM_STMT_* command.
func stmtIDOf(b []byte) (uint32, bool) {
	d := &decoder{b: b}
	id := d.uint32()
	return id, d.err == nil
}

// parseExecute decodes a COM_STMT_EXECUTE payload (after the command byte) for a statement with n
// parameters: statement id, flags, iteration count, and when n > 0 the NULL bitmap, the new-params-bound
// flag, the types (when that flag is set) and the values of the parameters that are neither NULL nor sent
// before with COM_STMT_SEND_LONG_DATA (long, by parameter index). prev are the types an earlier execution
// bound; a client that never sent types gets ER_WRONG_ARGUMENTS, as from mysqld. Bytes after the values
// are ignored.
func parseExecute(b []byte, n int, prev []paramType, long map[int][]byte) (*executeRequest, *SQLError) {
	d := &decoder{b: b}
	req := &executeRequest{stmtID: d.uint32(), flags: d.uint8()}
	d.uint32() // iteration_count: always 1
	if d.err != nil {
		return nil, errMalformed()
	}
	if n == 0 {
		return req, nil
	}
	nulls := d.bytes((n + 7) / 8)
	bound := d.uint8()
	switch {
	case d.err != nil:
		return nil, errMalformed()
	case bound != 0:
		req.types = readParamTypes(d, n)
	case prev == nil:
		return nil, NewSQLError(ErWrongArguments, "HY000", "Incorrect arguments to mysqld_stmt_execute")
	default:
		req.types = prev
	}
	if d.err != nil {
		return nil, errMalformed()
	}
	req.args = make([]any, n)
	for i := range req.args {
		if data, ok := long[i]; ok {
			req.args[i] = append([]byte{}, data...)
			continue
		}
		if nulls[i/8]&(1<<(i%8)) != 0 {
			continue
		}
		v, err := decodeBinaryValue(d, req.types[i])
		if err != nil {
			return nil, errMalformed()
		}
		req.args[i] = v
	}
	return req, nil
}

func readParamTypes(d *decoder, n int) []paramType {
	types := make([]paramType, n)
	for i := range types {
		t, flags := d.uint8(), d.uint8()
		types[i] = paramType{t: ColumnType(t), unsigned: flags&0x80 != 0}
	}
	return types
}
