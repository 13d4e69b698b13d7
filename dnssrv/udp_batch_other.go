//go:build !linux

package dnssrv

import "net"

// readUDPBatched batches only on Linux (recvmmsg/sendmmsg); elsewhere readUDP reads datagram by datagram.
func (s *Server) readUDPBatched(net.PacketConn) (bool, error) { return false, nil }
