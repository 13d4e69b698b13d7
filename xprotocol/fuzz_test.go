package xprotocol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// FuzzClientResult (CI runs it for ~10 s); seeds in testdata/fuzz/FuzzClientResult/.

func seedResults() [][]byte {
	frames := func(msgs ...wire.Message) []byte {
		var b []byte
		for _, m := range msgs {
			b = wire.AppendFrame(b, m)
		}
		return b
	}
	warn := &wire.Notice{Type: wire.NoticeWarning, Scope: wire.ScopeLocal, Payload: wire.AppendWarning(nil,
		wire.Warning{Code: 1, Msg: "w"})}
	col := &wire.ColumnMetaData{Type: wire.ColumnSint, Name: "a"}
	return [][]byte{
		frames(col, &wire.Row{Fields: [][]byte{{2}}}, wire.Empty(wire.ServerResultsetFetchDone), warn,
			wire.Empty(wire.ServerSQLStmtExecuteOk)),
		frames(col, &wire.Row{Fields: [][]byte{{2}}}, wire.Empty(wire.ServerResultsetFetchDoneMoreRS), col,
			wire.Empty(wire.ServerResultsetFetchDone), wire.Empty(wire.ServerSQLStmtExecuteOk)),
		frames(&wire.Error{Code: 1146, SQLState: "42S02", Msg: "no"}),
		frames(col, &wire.Error{Severity: wire.SeverityFatal, Code: 1053, SQLState: "08S01", Msg: "bye"}),
	}
}

// FuzzClientResult feeds arbitrary bytes to the client as the reply to a statement: it must return a
// result or an error, never panic or hang.
func FuzzClientResult(f *testing.F) {
	for _, r := range seedResults() {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		s := newSession("pipe", client, Config{MaxFrameSize: 1 << 16})
		go s.readLoop()
		go func() {
			_, _, _ = wire.NewFrameReader(server, 0).ReadFrame() // the StmtExecute
			_ = server.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = server.Write(data)
			_ = server.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := s.Execute(ctx, "SELECT a")
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("client hung on a closed stream")
		}
		_ = s.Close()
	})
}

// TestWriteFuzzSeeds writes the committed seed corpus (only with ORCA_WRITE_FUZZ_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("ORCA_WRITE_FUZZ_SEEDS") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzClientResult")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, r := range seedResults() {
		name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		if err := os.WriteFile(name, []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", r)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
