package mysqlsim

import (
	"context"
	"strconv"
	"strings"
)

// cloneSource is the donor of CLONE INSTANCE FROM 'user'@'host':port IDENTIFIED BY 'password'.
type cloneSource struct {
	user, host, password string
	port                 int
}

func parseCloneSource(p *parser) (cloneSource, *Error) {
	var c cloneSource
	if err := p.expect("INSTANCE", "FROM"); err != nil {
		return c, err
	}
	u := p.next()
	if u.kind != tIdent && u.kind != tString {
		p.i--
		return c, p.errHere()
	}
	c.user = u.text
	if h := p.peek(); h.kind == tUserVar {
		p.i++
		c.host = h.text
	} else {
		if err := p.expectPunct("@"); err != nil {
			return c, err
		}
		h := p.next()
		if h.kind != tIdent && h.kind != tString {
			p.i--
			return c, p.errHere()
		}
		c.host = h.text
	}
	if err := p.expectPunct(":"); err != nil {
		return c, err
	}
	port := p.next()
	if port.kind != tNumber {
		p.i--
		return c, p.errHere()
	}
	c.port, _ = strconv.Atoi(port.text)
	if err := p.expect("IDENTIFIED", "BY"); err != nil {
		return c, err
	}
	pw, err := p.text()
	if err != nil {
		return c, err
	}
	c.password = pw
	if p.acceptSeq("DATA", "DIRECTORY") {
		p.acceptPunct("=")
		if _, err := p.text(); err != nil {
			return c, err
		}
	}
	if p.accept("REQUIRE") {
		p.accept("NO")
		if err := p.expect("SSL"); err != nil {
			return c, err
		}
	}
	return c, p.end()
}

// execClone runs CLONE INSTANCE (MySQL 8.4 manual, "Cloning Remote Data"): the donor must be in
// clone_valid_donor_list, reachable, accept the credentials, hold BACKUP_ADMIN and run the same
// release series; one clone at a time (ER 3634). When the copy ends the member restarts with the
// donor's data, GTIDs and accounts (and keeps its own server_uuid and mysqld-auto.cnf); the client
// sees OK and then loses the connection. The server clones on when the client goes away.
func (m *Member) execClone(ctx context.Context, s *Session, p *parser) (Result, error) {
	c, perr := parseCloneSource(p)
	if perr != nil {
		return Result{}, perr
	}
	if !m.loaded[pluginClone] {
		return Result{}, sqlErr(1524, "HY000", "Plugin 'clone' is not loaded")
	}
	if !s.hasAny("CLONE_ADMIN") {
		return Result{}, errSpecificAccess("CLONE_ADMIN")
	}
	addr := c.host + ":" + strconv.Itoa(c.port)
	list := m.globals["clone_valid_donor_list"]
	if !inList(list, addr) {
		return Result{}, errCloneSysConfig(addr + " is not found in clone_valid_donor_list: " + list)
	}
	if m.grRunning {
		return Result{}, sqlErr(3875, "HY000",
			"The clone operation cannot be executed when Group Replication is running.")
	}
	if m.cloning() {
		return Result{}, sqlErr(3634, "HY000", "Too many concurrent clone operations. Maximum allowed - 1.")
	}
	donor, err := m.cloneDonor(c)
	if err != nil {
		m.cloneState = cloneStatus{ID: 1, Source: addr, Began: cloneTime(m.g.clock.Now()), inc: m.incarnation}
		m.cloneFailed(int(err.Code), err.Message)
		return Result{}, err
	}
	m.g.startClone(m, donor, addr)
	return m.waitClone(ctx)
}

// waitClone blocks the statement until the clone ends. A client that goes away gets ctx's error
// while the clone goes on.
func (m *Member) waitClone(ctx context.Context) (Result, error) {
	inc := m.incarnation
	if err := m.g.waitUntil(ctx, func() bool {
		return m.cloneState.State != cloneInProgress || !m.up || m.incarnation != inc
	}); err != nil {
		return Result{}, err
	}
	switch {
	case m.cloneState.State == cloneFailed:
		return Result{}, sqlErr(uint16(m.cloneState.ErrorNo), "HY000", "%s", m.cloneState.ErrorMsg)
	case m.cloneState.State == cloneInProgress:
		return Result{}, ErrMemberDown
	case m.cfg.Unsupervised:
		return Result{}, errRestartNotSupervised()
	}
	return Result{}, nil
}

func (m *Member) cloneDonor(c cloneSource) (*Member, *Error) {
	var donor *Member
	for _, x := range m.g.members {
		if x.cfg.Port == c.port && (x.cfg.Host == c.host || x.reportHost() == c.host) {
			donor = x
		}
	}
	if donor == m {
		return nil, sqlErr(3871, "HY000",
			"Clone cannot use loop back connection while cloning into current data directory.")
	}
	if donor == nil || !donor.up || m.g.partition[donor] != m.g.partition[m] {
		return nil, errCloneDonor("Connect failed: 2003 : Can't connect to MySQL server on '" + c.host + ":" +
			strconv.Itoa(c.port) + "' (111).")
	}
	acct := donor.accounts.match(c.user, m.networkAddr())
	if acct == nil || acct.Password != c.password || acct.Locked {
		return nil, errCloneDonor("Connect failed: 1045 : Access denied for user '" + c.user + "'@'" +
			m.networkAddr() + "' (using password: YES).")
	}
	if !donor.loaded[pluginClone] {
		return nil, errCloneDonor("1524 : Plugin 'clone' is not loaded.")
	}
	if !acct.hasGlobal("BACKUP_ADMIN") {
		return nil, errCloneDonor("1227 : Access denied; you need (at least one of) the BACKUP_ADMIN privilege(s) " +
			"for this operation.")
	}
	if !cloneCompatible(donor.cfg.Version, m.cfg.Version) {
		return nil, sqlErr(3864, "HY000", "Clone Donor MySQL version: %s is different from Recipient MySQL version %s.",
			donor.cfg.Version, m.cfg.Version)
	}
	return donor, nil
}

func inList(list, addr string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(x), addr) {
			return true
		}
	}
	return false
}
