package router

import (
	"fmt"
	"net"
	"strconv"
)

// Route is one of the four listeners' routes (MySQL Router's defaults: 6446, 6447, 6448, 6449).
type Route uint8

// The routes.
const (
	ClassicRW Route = iota // classic protocol to the primary
	ClassicRO              // classic protocol round-robin over ONLINE secondaries
	XRW                    // X Protocol to the primary
	XRO                    // X Protocol round-robin over ONLINE secondaries
)

// Routes lists every route.
var Routes = []Route{ClassicRW, ClassicRO, XRW, XRO}

// String names the route in metrics and logs.
func (r Route) String() string {
	switch r {
	case ClassicRW:
		return "classic_rw"
	case ClassicRO:
		return "classic_ro"
	case XRW:
		return "x_rw"
	case XRO:
		return "x_ro"
	}
	return fmt.Sprintf("route(%d)", uint8(r))
}

// DefaultPort is MySQL Router's port for the route.
func (r Route) DefaultPort() int { return 6446 + int(r) }

func (r Route) writable() bool { return r == ClassicRW || r == XRW }

// x is true for the X Protocol routes.
func (r Route) x() bool { return r == XRW || r == XRO }

// backendAddr is where a route reaches a member: its classic address, or the same host on the X port.
func backendAddr(member string, r Route, xPort int) string {
	if !r.x() {
		return member
	}
	host, _, err := net.SplitHostPort(member)
	if err != nil {
		return member
	}
	return net.JoinHostPort(host, strconv.Itoa(xPort))
}
