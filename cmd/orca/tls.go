package main

import (
	"crypto/tls"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/orca-operator/orca/internal/tlsca"
)

// tlsFlags say how a command verifies the members it connects to: the router, the backup, restore and
// archiver runners (docs/tls.md).
type tlsFlags struct {
	caFile, serverName string
}

func (t *tlsFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&t.caFile, "tls-ca-file", "",
		"PEM trust bundle the members' certificates are verified with (the system's roots when empty)")
	f.StringVar(&t.serverName, "tls-server-name", "",
		"name the members' certificates are checked against instead of each member's own (VERIFY_CA)")
}

// config is the verifying client configuration (VERIFY_IDENTITY: the name dialled, or --tls-server-name), or
// nil when neither flag is set (no TLS, for servers outside a cluster).
func (t tlsFlags) config() (*tls.Config, error) {
	if t.caFile == "" && t.serverName == "" {
		return nil, nil
	}
	return trustConfig(t.caFile, t.serverName)
}

// trustConfig reads a trust bundle (none: the system's roots) into a verifying configuration; a file that holds
// no certificate is an error, not an empty pool that would refuse everything without saying why.
func trustConfig(caFile, serverName string) (*tls.Config, error) {
	trust := tlsca.Trust{ServerName: serverName}
	if caFile != "" {
		bundle, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read --tls-ca-file: %w", err)
		}
		if _, err := tlsca.Pool(bundle); err != nil {
			return nil, fmt.Errorf("--tls-ca-file %s: %w", caFile, err)
		}
		trust.Bundle = bundle
	}
	return trust.Config(), nil
}
