package wire

// Client -> server message types (Mysqlx.ClientMessages.Type).
const (
	ClientConCapabilitiesGet    uint8 = 1
	ClientConCapabilitiesSet    uint8 = 2
	ClientConClose              uint8 = 3
	ClientSessAuthenticateStart uint8 = 4
	ClientSessAuthenticateCont  uint8 = 5
	ClientSessReset             uint8 = 6
	ClientSessClose             uint8 = 7
	ClientSQLStmtExecute        uint8 = 12
	ClientCrudFind              uint8 = 17
	ClientCrudInsert            uint8 = 18
	ClientCrudUpdate            uint8 = 19
	ClientCrudDelete            uint8 = 20
	ClientExpectOpen            uint8 = 24
	ClientExpectClose           uint8 = 25
	ClientCrudCreateView        uint8 = 30
	ClientCrudModifyView        uint8 = 31
	ClientCrudDropView          uint8 = 32
	ClientPreparePrepare        uint8 = 40
	ClientPrepareExecute        uint8 = 41
	ClientPrepareDeallocate     uint8 = 42
	ClientCursorOpen            uint8 = 43
	ClientCursorClose           uint8 = 44
	ClientCursorFetch           uint8 = 45
	ClientCompression           uint8 = 46
)

// Server -> client message types (Mysqlx.ServerMessages.Type).
const (
	ServerOk                          uint8 = 0
	ServerError                       uint8 = 1
	ServerConnCapabilities            uint8 = 2
	ServerSessAuthenticateContinue    uint8 = 3
	ServerSessAuthenticateOk          uint8 = 4
	ServerNotice                      uint8 = 11
	ServerResultsetColumnMetaData     uint8 = 12
	ServerResultsetRow                uint8 = 13
	ServerResultsetFetchDone          uint8 = 14
	ServerResultsetFetchSuspended     uint8 = 15
	ServerResultsetFetchDoneMoreRS    uint8 = 16
	ServerSQLStmtExecuteOk            uint8 = 17
	ServerResultsetFetchDoneOutParams uint8 = 18
	ServerCompression                 uint8 = 19
)

// KnownClientType reports whether t is a client message type MySQL defines (whether or not this package implements it).
func KnownClientType(t uint8) bool {
	switch t {
	case 1, 2, 3, 4, 5, 6, 7, 12, 17, 18, 19, 20, 24, 25, 30, 31, 32, 40, 41, 42, 43, 44, 45, 46:
		return true
	}
	return false
}
