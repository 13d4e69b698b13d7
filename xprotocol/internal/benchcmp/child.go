package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/orca-operator/orca/xprotocol/internal/benchkit"
	"github.com/orca-operator/orca/xprotocol/probe/probetest"
)

// serveChild serves the benchmark server and the fake members until stdin closes.
func serveChild(members, rows int) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	benchkit.Serve(l, rows)
	ep := endpoints{Bench: l.Addr().String()}
	for i := 0; i < members; i++ {
		ml, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		role := "SECONDARY"
		if i == 0 {
			role = "PRIMARY"
		}
		m := probetest.Start(ml, probetest.Online(i, role))
		ep.Members = append(ep.Members, m.Addr)
	}
	line, err := json.Marshal(ep)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(os.Stdout, "%s\n", line); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes stdin when done
	return nil
}
