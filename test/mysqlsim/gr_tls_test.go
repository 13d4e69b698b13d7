package mysqlsim

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca"
)

// memberCert is a certificate of ca for the member's host, as tls.Config.
func memberCert(t *testing.T, ca tlsca.KeyPair, host string) *tls.Config {
	t.Helper()
	kp, err := tlsca.IssueCert(ca, []string{host}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

// On the MySQL stack a member with group_replication_ssl_mode=VERIFY_CA and a CA bundle refuses peers whose
// certificate another CA signed: it cannot join their group; with REQUIRED (encrypted, unverified) it can.
func TestGroupConnectionsVerifyPeersCertificates(t *testing.T) {
	caA, errA := tlsca.NewCA("a", time.Now(), time.Hour)
	caB, errB := tlsca.NewCA("b", time.Now(), time.Hour)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	poolB := x509.NewCertPool()
	poolB.AppendCertsFromPEM(caB.CertPEM)
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) {
		podNetwork("")(i, c)
		mysqlStack(i, c)
		ca := caA
		if i == 2 {
			ca, c.PeerCAs = caB, poolB
			c.Options["group_replication_ssl_mode"] = "VERIFY_CA"
		}
		c.TLS = memberCert(t, ca, c.Host)
	})
	for _, m := range tc.members {
		tc.exec(m, "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; "+
			"GRANT REPLICATION SLAVE ON *.* TO rpl_user@'%'; GRANT CONNECTION_ADMIN ON *.* TO rpl_user@'%'; "+
			"GRANT BACKUP_ADMIN ON *.* TO rpl_user@'%'; GRANT GROUP_REPLICATION_STREAM ON *.* TO rpl_user@'%'; "+
			"FLUSH PRIVILEGES; SET SQL_LOG_BIN=1")
	}
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	start := "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'"
	tc.exec(m1, "SET GLOBAL group_replication_bootstrap_group=ON; "+start+
		"; SET GLOBAL group_replication_bootstrap_group=OFF")
	tc.exec(m2, start)
	tc.waitState(m2, StateOnline)
	if err := tc.sqlError(m3, start); err == nil || m3.State() == StateOnline {
		t.Fatalf("m3 joined peers whose CA it does not trust (%v)", err)
	}
	if !logContains(m3, "SSL connection error") {
		t.Fatalf("the refused certificate is not in m3's log: %v", m3.ErrorLog())
	}
	if strings.Contains(m3.ViewID(), ":") && m3.HasQuorum() {
		t.Fatal("m3 is in a view")
	}
	tc.exec(m3, "SET GLOBAL group_replication_ssl_mode = 'REQUIRED'")
	tc.exec(m3, start)
	tc.waitState(m3, StateOnline)
}
