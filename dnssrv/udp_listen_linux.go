package dnssrv

import (
	"context"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// listenUDP opens n sockets on addr sharing its port (SO_REUSEPORT: Linux lets only the same user's sockets
// join, so another account cannot take the queries); the first one resolves a port 0.
func listenUDP(addr string, n int) ([]net.PacketConn, error) {
	if n <= 1 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		return []net.PacketConn{pc}, nil
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	var pcs []net.PacketConn
	for range n {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			closeAll(pcs)
			return nil, err
		}
		pcs = append(pcs, pc)
		addr = pc.LocalAddr().String()
	}
	return pcs, nil
}
