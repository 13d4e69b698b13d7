package pitr

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrClientCannotVerify is a TLS verification the replay's command-line client cannot make.
var ErrClientCannotVerify = errors.New("the client cannot verify the target this way")

// clientArgs is the command line of the client the replay pipes statements into (the password goes in
// MYSQL_PWD, never here). TCP always: "localhost" would otherwise mean the local socket.
func clientArgs(o ReplayOptions, host, port string) ([]string, error) {
	args := []string{"--protocol=TCP", "--host=" + host, "--port=" + port, "--user=" + o.Target.User, "--binary-mode"}
	if o.TLSCAFile == "" && o.TLSServerName == "" {
		return args, nil
	}
	sameName := o.TLSServerName == "" || strings.EqualFold(o.TLSServerName, host)
	if isMariaDBClient(o.Client) {
		if !sameName {
			return nil, fmt.Errorf("%w: %s checks a certificate only for the host it connects to (%s), not for %s",
				ErrClientCannotVerify, o.Client, host, o.TLSServerName)
		}
		args = append(args, "--ssl", "--ssl-verify-server-cert")
	} else {
		mode := "VERIFY_IDENTITY"
		if !sameName {
			mode = "VERIFY_CA"
		}
		args = append(args, "--ssl-mode="+mode)
	}
	if o.TLSCAFile != "" {
		args = append(args, "--ssl-ca="+o.TLSCAFile)
	}
	return args, nil
}

func isMariaDBClient(path string) bool { return strings.HasPrefix(filepath.Base(path), "mariadb") }
