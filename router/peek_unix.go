//go:build unix

package router

import (
	"errors"
	"syscall"
)

// peek looks at one byte without taking it: false (wait for the poller) while nothing has arrived. Data and
// the end of the stream return true for the copy to read; an error (a reset) is returned in *werr, because
// the kernel reports a socket error once and the peek has taken it.
func peek(fd uintptr, werr *error) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
		return false
	}
	*werr = err
	return true
}
