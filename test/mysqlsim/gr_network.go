package mysqlsim

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Communication stacks (group_replication_communication_stack).
const (
	stackXCom  = "XCOM"
	stackMySQL = "MYSQL"
)

func (m *Member) stack() string { return m.globals["group_replication_communication_stack"] }

// networkAddr is the IP address the member's group and replication connections come from.
func (m *Member) networkAddr() string { return m.cfg.NetworkAddress }

// hostCIDR is the single-address subnet of an IP (a pod's interface on Calico or Cilium).
func hostCIDR(ip string) string {
	if p := net.ParseIP(ip); p != nil && p.To4() == nil {
		return ip + "/128"
	}
	return ip + "/32"
}

// allowlistError validates group_replication_ip_allowlist as XCom does when Group Replication
// starts (GCS's Gcs_ip_allowlist::is_valid): an entry that looks like an IP address must be one,
// with a numeric mask in range; anything else is taken for a host name.
func allowlistError(value string) string {
	value = strings.ReplaceAll(value, " ", "")
	if strings.EqualFold(value, "AUTOMATIC") {
		return ""
	}
	for _, e := range strings.Split(value, ",") {
		addr, bits, _ := strings.Cut(e, "/")
		if !looksLikeIP(addr) {
			continue
		}
		ip := net.ParseIP(addr)
		n, err := strconv.Atoi(bits)
		maxBits := 32
		if ip != nil && ip.To4() == nil {
			maxBits = 128
		}
		if ip == nil || (bits != "" && (err != nil || n < 0 || n > maxBits)) {
			return e
		}
	}
	return ""
}

func looksLikeIP(s string) bool {
	return strings.Contains(s, ":") || strings.Trim(s, "0123456789.") == ""
}

// admits says whether `to` accepts a group connection from `from` (MySQL 8.4 manual, 20.6.4
// "Group Replication IP Address Permissions"; only with the XCom stack).
func (g *Group) admits(to, from *Member) bool {
	ip := net.ParseIP(from.networkAddr())
	if ip == nil {
		return false
	}
	for _, n := range g.allowedNets(to) {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// allowedNets is m's allowlist as XCom builds it: AUTOMATIC is the private subnets of the
// member's interfaces (loopback included); an explicit list is its entries, with host names
// resolved, plus 127.0.0.1 and ::1 unless the list names localhost.
func (g *Group) allowedNets(m *Member) []*net.IPNet {
	value := strings.ReplaceAll(m.globals["group_replication_ip_allowlist"], " ", "")
	if value == "" || strings.EqualFold(value, "AUTOMATIC") {
		return automaticAllowlist(m)
	}
	var nets []*net.IPNet
	localhost := false
	for _, e := range strings.Split(value, ",") {
		addr, bits, _ := strings.Cut(e, "/")
		localhost = localhost || addr == "127.0.0.1" || addr == "::1" || strings.EqualFold(addr, "localhost")
		for _, ip := range g.resolve(addr) {
			if n := ipNet(ip, bits); n != nil {
				nets = append(nets, n)
			}
		}
	}
	if !localhost {
		nets = append(nets, ipNet("127.0.0.1", "32"), ipNet("::1", "128"))
	}
	return nets
}

// automaticAllowlist keeps the interfaces XCom's get_local_private_addresses keeps: 10/8,
// 172.16/12 and 192.168/16 (with at least that prefix length), 127.0.0.1, and IPv6 ::1, fd00::/8,
// fe80::/10. Each admits its interface's subnet.
func automaticAllowlist(m *Member) []*net.IPNet {
	var nets []*net.IPNet
	for _, c := range append([]string{"127.0.0.1/8"}, m.cfg.Subnets...) {
		ip, n, err := net.ParseCIDR(c)
		if err != nil || !privateInterface(ip, n) {
			continue
		}
		nets = append(nets, n)
	}
	if len(nets) == 0 {
		nets = append(nets, ipNet("127.0.0.1", "32"), ipNet("::1", "128"))
	}
	return nets
}

func privateInterface(ip net.IP, n *net.IPNet) bool {
	bits, _ := n.Mask.Size()
	if v4 := ip.To4(); v4 != nil {
		return (v4[0] == 10 && bits >= 8) || (v4[0] == 172 && v4[1] >= 16 && v4[1] <= 31 && bits >= 12) ||
			(v4[0] == 192 && v4[1] == 168 && bits >= 16) || v4.Equal(net.IPv4(127, 0, 0, 1))
	}
	s := ip.String()
	return s == "::1" || strings.HasPrefix(s, "fd") || strings.HasPrefix(s, "fe80")
}

func ipNet(ip, bits string) *net.IPNet {
	p := net.ParseIP(ip)
	if p == nil {
		return nil
	}
	if bits == "" {
		bits = "32"
		if p.To4() == nil {
			bits = "128"
		}
	}
	_, n, err := net.ParseCIDR(ip + "/" + bits)
	if err != nil {
		return nil
	}
	return n
}

// resolve stands for DNS: an IP is itself, localhost is 127.0.0.1, and a member's host name
// (Host, report_host, hostname) is its network address.
func (g *Group) resolve(name string) []string {
	if net.ParseIP(name) != nil {
		return []string{name}
	}
	if strings.EqualFold(name, "localhost") {
		return []string{"127.0.0.1"}
	}
	var ips []string
	for _, x := range g.members {
		if strings.EqualFold(x.cfg.Host, name) || strings.EqualFold(x.reportHost(), name) ||
			strings.EqualFold(x.globals["hostname"], name) {
			ips = append(ips, x.networkAddr())
		}
	}
	return ips
}

// refuseConnection is what the receiving XCom logs for a connection its allowlist refuses.
func refuseConnection(to, from *Member) {
	to.grLog("Warning", "MY-011735", "[GCS] Connection attempt from IP address %s refused. Address is not in the "+
		"IP allowlist.", from.networkAddr())
}

// sqlPorts are the ports the server accepts MySQL connections on: port, and admin_port when
// admin_address is set.
func (m *Member) sqlPorts() []string {
	ports := []string{m.globals["port"]}
	if m.globals["admin_address"] != "" {
		ports = append(ports, m.globals["admin_port"])
	}
	return ports
}

// groupCreds are the credentials of the member's MySQL-stack group connections and of distributed
// recovery: START GROUP_REPLICATION USER=, PASSWORD= (not persisted), else the
// group_replication_recovery channel's.
func (m *Member) groupCreds() recoveryCreds {
	if m.startCreds != nil {
		return *m.startCreds
	}
	return m.recovery
}

// loginFailure is why a replication or group connection was refused: the error number and text
// the connecting side reports.
type loginFailure struct {
	code int
	msg  string
}

func (f *loginFailure) String() string { return fmt.Sprintf("%d: %s", f.code, f.msg) }

// login checks a connection from `from` to `to` with creds: the account must match from's address
// and password and not be locked, and a caching_sha2_password account needs a secure connection
// or the RSA public key (from's group_replication_recovery_use_ssl, _get_public_key,
// _public_key_path). privs are the global privileges the connection needs on `to`.
func login(from, to *Member, creds recoveryCreds, privs ...string) *loginFailure {
	if creds.User == "" {
		return &loginFailure{13117, "Fatal error: Invalid (empty) username when attempting to connect to the " +
			"source server. Connection attempt terminated."}
	}
	acct := to.accounts.match(creds.User, from.networkAddr())
	if acct == nil || acct.Password != creds.Password || acct.Locked {
		return &loginFailure{1045, fmt.Sprintf("Access denied for user '%s'@'%s' (using password: YES)", creds.User,
			from.networkAddr())}
	}
	if acct.Plugin == pluginCachingSHA2 && !from.boolVar("group_replication_recovery_use_ssl") &&
		!from.boolVar("group_replication_recovery_get_public_key") &&
		from.globals["group_replication_recovery_public_key_path"] == "" {
		return &loginFailure{2061, "Authentication plugin 'caching_sha2_password' reported error: " +
			"Authentication requires secure connection."}
	}
	for _, p := range privs {
		if !acct.hasGlobal(p) {
			return &loginFailure{1227, fmt.Sprintf("Access denied; you need (at least one of) the %s privilege(s) "+
				"for this operation", p)}
		}
	}
	return nil
}

// groupLogin is one MySQL-stack group connection: from's credentials on `to`, which needs
// GROUP_REPLICATION_STREAM (MySQL 8.4 manual, 20.6.1 "Communication Stack for Connection
// Security Management"). A failure is logged on the connecting side.
func groupLogin(from, to *Member) bool {
	f := tlsFailure(from, to)
	if f == nil {
		f = login(from, to, from.groupCreds(), "GROUP_REPLICATION_STREAM")
	}
	if f == nil {
		return true
	}
	from.grLog("ERROR", "MY-013780", "Failed to establish MySQL client connection in Group Replication. Error "+
		"establishing connection. Please refer to the manual to make sure that you configured Group Replication "+
		"properly to work with MySQL Protocol connections.")
	from.grLog("ERROR", "MY-011735", "[GCS] Error on opening a connection to peer node %s when joining a group. "+
		"My local port is: %s. (%s)", to.address(), portOf(from.address()), f)
	return false
}

// localGCSReachable is XCom's test of its own local address before it joins: with the MySQL stack
// the address must be one the server listens on for MySQL connections and the member's own
// credentials must log in on it.
func localGCSReachable(m *Member) bool {
	if m.stack() != stackMySQL {
		return true
	}
	listening := inList(strings.Join(m.sqlPorts(), ","), portOf(m.address()))
	if listening && groupLogin(m, m) {
		return true
	}
	if !listening { // groupLogin logged it otherwise
		m.grLog("ERROR", "MY-013780", "Failed to establish MySQL client connection in Group Replication. Error "+
			"establishing connection. Please refer to the manual to make sure that you configured Group Replication "+
			"properly to work with MySQL Protocol connections.")
	}
	m.grLog("ERROR", "MY-011735", "[GCS] The group communication engine failed to test connectivity to the local "+
		"group communication engine on %s. This may be due to one or more invalid configuration settings. "+
		"Double-check your group replication local address, firewall, SE Linux and TLS configurations and try "+
		"restarting Group Replication on this server.", m.address())
	return false
}

// meshConnects checks the connections a join opens besides the seed's: XCom and the MySQL stack
// connect every member to every other, so every member of v must accept the joiner and the joiner
// every member. A refused connection fails the join attempt as if no seed had answered.
func (g *Group) meshConnects(m *Member, v *view) bool {
	for _, x := range v.members {
		if x == m || !x.up || x.view != v || !g.reachable(m, x) {
			continue
		}
		if m.stack() == stackMySQL {
			if !groupLogin(x, m) || !groupLogin(m, x) {
				return false
			}
			continue
		}
		if !g.admits(x, m) {
			refuseConnection(x, m)
			return false
		}
		if !g.admits(m, x) {
			refuseConnection(m, x)
			return false
		}
	}
	return true
}
