package mysqlsim

import "fmt"

// RestartWith crashes the member if it is up and boots it with a new configuration, as a new pod of
// a StatefulSet revision does: the image's Version and the new my.cnf (Options), keeping the data
// directory (server_uuid, GTIDs, relay log, mysqld-auto.cnf, accounts, the error log). Non-empty
// Host, Port, XPort, NetworkAddress and Subnets replace the old ones (a network address and subnet
// that defaulted from Host follow a new Host); Options and Unsupervised always do. Name, ServerUUID,
// RootPassword, Initialize and SkipTZInfo belong to the data directory and are ignored. A version of
// an older release series than the data directory's (8.4 to 8.0) does not boot (ErrBootFailed), as
// mysqld refuses a newer data dictionary.
func (m *Member) RestartWith(cfg MemberConfig) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.crash(m)
	m.reconfigure(cfg)
	err := m.boot()
	m.g.connectivityChanged()
	if err != nil {
		return fmt.Errorf("restart member %s with version %s: %w", m.cfg.Name, m.cfg.Version, err)
	}
	return nil
}

// reconfigure applies what a new pod changes. Called with the lock held while the member is down.
// A network address or subnet that was derived from the old Host follows the new one.
func (m *Member) reconfigure(cfg MemberConfig) {
	c := &m.cfg
	derivedAddr := c.NetworkAddress == defaultNetworkAddress(c.Host)
	derivedSubnets := len(c.Subnets) == 1 && c.Subnets[0] == hostCIDR(c.NetworkAddress)
	setIf(&c.Host, cfg.Host)
	setIf(&c.Version, cfg.Version)
	if cfg.TLS != nil {
		c.TLS = cfg.TLS // the new pod's certificate
	}
	if cfg.PeerCAs != nil {
		c.PeerCAs = cfg.PeerCAs
	}
	if cfg.NetworkAddress != "" {
		c.NetworkAddress = cfg.NetworkAddress
	} else if derivedAddr {
		c.NetworkAddress = defaultNetworkAddress(c.Host)
	}
	if len(cfg.Subnets) > 0 {
		c.Subnets = append([]string(nil), cfg.Subnets...)
	} else if derivedSubnets {
		c.Subnets = []string{hostCIDR(c.NetworkAddress)}
	}
	if cfg.Port != 0 {
		c.Port = cfg.Port
	}
	if cfg.XPort != 0 {
		c.XPort = cfg.XPort
	}
	c.Options = cfg.Options
	c.Unsupervised = cfg.Unsupervised
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// prepareDataDir runs before every boot: a data directory that was never initialised is, as the
// official image's entrypoint does on a pod's first start.
func (m *Member) prepareDataDir() error {
	if m.data == dataReady {
		return nil
	}
	return m.initialize()
}

// checkDataVersion compares the booting server with the version that last ran on the data
// directory: an upgrade or an allowed downgrade rewrites the data dictionary (and is logged), a
// downgrade across series aborts the boot.
func (m *Member) checkDataVersion() error {
	server, data := parseServerVersion(m.cfg.Version), parseServerVersion(m.dataVer)
	switch {
	case server.id() == data.id():
		return nil
	case data.less(server):
		m.logf("System", "MY-013381", "Server", "Server upgrade from '%d' to '%d' started.", data.id(), server.id())
		m.logf("System", "MY-013381", "Server", "Server upgrade from '%d' to '%d' completed.", data.id(), server.id())
	case downgradeAllowed(server, data):
		m.logf("System", "MY-014064", "Server", "Server downgrade from '%d' to '%d' started.", data.id(), server.id())
		m.logf("System", "MY-014064", "Server", "Server downgrade from '%d' to '%d' completed.", data.id(), server.id())
	default:
		m.logf("ERROR", "MY-013171", "InnoDB", "Cannot boot server version %d on data directory built by version %d. "+
			"Downgrade is not supported", server.id(), data.id())
		m.logf("ERROR", "MY-012930", "InnoDB", "Plugin initialization aborted with error Generic error.")
		m.logf("ERROR", "MY-010334", "Server", "Failed to initialize DD Storage Engine")
		m.logf("ERROR", "MY-010020", "Server", "Data Dictionary initialization failed.")
		m.logf("ERROR", "MY-010119", "Server", "Aborting")
		return fmt.Errorf("%w: data directory of MySQL %s, server %s", ErrBootFailed, m.dataVer, m.cfg.Version)
	}
	m.dataVer = m.cfg.Version
	return nil
}
