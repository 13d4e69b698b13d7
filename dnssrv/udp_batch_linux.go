package dnssrv

import (
	"errors"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSize is how many datagrams one recvmmsg/sendmmsg moves: a loaded server answers a batch per pair of
// syscalls instead of a pair per query (what Knot does).
const batchSize = 32

// batchSlotSize bounds a query read in a batch. Queries are a question and an OPT record (RFC 7830 padding
// included, well under this); a longer datagram arrives truncated (MSG_TRUNC) and is dropped as malformed.
const batchSlotSize = 4096

// mmsghdr is struct mmsghdr of <sys/socket.h>; x/sys/unix does not define it.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// batchReader holds one reader's buffers: every pointer the kernel gets lives here, so a batch allocates
// nothing and the memory outlives each syscall.
type batchReader struct {
	s      *Server
	rc     syscall.RawConn
	recv   [batchSize]mmsghdr
	send   [batchSize]mmsghdr
	riov   [batchSize]unix.Iovec
	siov   [batchSize]unix.Iovec
	names  [batchSize]unix.RawSockaddrInet6
	bufs   [batchSize][batchSlotSize]byte
	outs   [batchSize][]byte
	q      query
	got    int // datagrams of the last recvmmsg
	sent   int // datagrams of the current send batch already sent
	toSend int
	errno  syscall.Errno
	readFn func(fd uintptr) bool
	sendFn func(fd uintptr) bool
}

// readUDPBatched is readUDP with recvmmsg/sendmmsg; false when pc is not a socket it can batch on.
func (s *Server) readUDPBatched(pc net.PacketConn) (bool, error) {
	udp, isUDP := pc.(*net.UDPConn)
	if !isUDP {
		return false, nil
	}
	rc, err := udp.SyscallConn()
	if err != nil {
		return false, nil //nolint:nilerr // not a socket to batch on: the caller reads it datagram by datagram
	}
	r := newBatchReader(s, rc)
	for {
		if err := r.read(); err != nil {
			return true, err
		}
		r.answerAll()
		if err := r.flush(); err != nil {
			return true, err
		}
	}
}

func newBatchReader(s *Server, rc syscall.RawConn) *batchReader {
	r := &batchReader{s: s, rc: rc}
	for i := range batchSize {
		r.riov[i].Base = &r.bufs[i][0]
		r.riov[i].SetLen(batchSlotSize)
		r.recv[i].hdr.Iov = &r.riov[i]
		r.recv[i].hdr.SetIovlen(1)
		r.recv[i].hdr.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		r.send[i].hdr.Iov = &r.siov[i]
		r.send[i].hdr.SetIovlen(1)
		r.send[i].hdr.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		r.outs[i] = make([]byte, 0, 4096)
	}
	r.readFn, r.sendFn = r.recvmmsg, r.sendmmsg
	return r
}

// read blocks until at least one datagram is in, then takes up to batchSize without waiting.
func (r *batchReader) read() error {
	for i := range batchSize {
		r.recv[i].hdr.Namelen = uint32(unsafe.Sizeof(r.names[i]))
		r.recv[i].hdr.Flags, r.recv[i].n = 0, 0
	}
	if err := r.rc.Read(r.readFn); err != nil {
		return err
	}
	if r.errno != 0 {
		return r.errno
	}
	return nil
}

// recvmmsg is the RawConn callback: false asks the poller to wait for the socket to be readable.
func (r *batchReader) recvmmsg(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.recv[0])), batchSize,
		unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false
	}
	r.got, r.errno = int(n), errno
	if errno != 0 {
		r.got = 0
	}
	return true
}

// answerAll answers each datagram of the batch into its slot and lines the answers up for sendmmsg.
func (r *batchReader) answerAll() {
	r.toSend, r.sent = 0, 0
	for i := range r.got {
		h := &r.recv[i]
		if h.hdr.Flags&unix.MSG_TRUNC != 0 {
			continue
		}
		resp := r.s.answer(r.outs[i][:0], r.bufs[i][:h.n], &r.q, true)
		if resp == nil {
			continue
		}
		if cap(resp) > cap(r.outs[i]) {
			r.outs[i] = resp[:0]
		}
		r.queue(i, resp)
	}
}

// queue adds slot i's answer to the send batch, addressed to the sender it came from.
func (r *batchReader) queue(i int, resp []byte) {
	j := r.toSend
	r.siov[j].Base = &resp[0]
	r.siov[j].SetLen(len(resp))
	r.send[j].hdr.Name = (*byte)(unsafe.Pointer(&r.names[i]))
	r.send[j].hdr.Namelen = r.recv[i].hdr.Namelen
	r.toSend++
}

// flush sends the batch; a datagram the kernel refuses (e.g. an unreachable sender) is skipped, as a failed
// WriteTo is in readUDP, but a closed socket ends the reader.
func (r *batchReader) flush() error {
	for r.sent < r.toSend {
		r.errno = 0
		if err := r.rc.Write(r.sendFn); err != nil {
			return err
		}
		if r.errno != 0 {
			if errors.Is(r.errno, unix.EBADF) {
				return r.errno
			}
			r.sent++
		}
	}
	return nil
}

func (r *batchReader) sendmmsg(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&r.send[r.sent])),
		uintptr(r.toSend-r.sent), unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false
	}
	if errno != 0 {
		r.errno = errno
		return true
	}
	r.sent += int(n)
	return true
}
