//go:build !linux

package dnssrv

import "net"

// listenUDP opens one socket: sharing a port between readers is done on Linux only.
func listenUDP(addr string, _ int) ([]net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	return []net.PacketConn{pc}, nil
}
