package peers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// scratchMySQLScript plays the MySQL image's two programs in a pod run by test/podrunner, with MariaDB: the
// image's entrypoint (a fresh server whose root@'%' has MYSQL_ROOT_PASSWORD, as the official image makes it;
// the container's own mysqld arguments are not MariaDB's and are left out) and `mysqladmin ping` (its startup
// probe). Both use the pod's loopback address (ORCA_DEV_BIND_ADDRESS), which is what 127.0.0.1 means inside a
// pod run by the runner; the data lives in the pod's TMPDIR and goes with the pod.
const scratchMySQLScript = `#!/bin/sh
set -eu
host=${ORCA_DEV_BIND_ADDRESS:?ORCA_DEV_BIND_ADDRESS is not set: run under test/podrunner}
port=3306
for a in "$@"; do
	case $a in --port=*) port=${a#--port=} ;; esac
done
if [ "${1:-}" = ping ]; then
	exec @ADMIN@ --no-defaults --protocol=tcp --host="$host" --port="$port" --connect-timeout=2 ping
fi
dir=${TMPDIR:?}/scratch-mysql
mkdir -p "$dir/tmp"
if [ ! -d "$dir/data/mysql" ]; then
	@INSTALLDB@ --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user=root \
		--auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1
fi
pw=$(printf '%s' "${MYSQL_ROOT_PASSWORD:?}" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")
umask 077
# mariadb-install-db also makes root@127.0.0.1 and root@::1 without a password, which a TCP client from the
# loopback would match before root@'%'; the MySQL image has only root@localhost and root@'%'.
{
	printf "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n"
	printf "CREATE USER IF NOT EXISTS 'root'@'%%' IDENTIFIED BY '%s';\n" "$pw"
	printf "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%%' WITH GRANT OPTION;\n"
} >"$dir/init.sql"
# A relative socket: the pod's folder is deeper than a socket path may be (107 bytes).
cd "$dir/data"
exec @MARIADBD@ --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket=mysqld.sock \
	--pid-file="$dir/mariadbd.pid" --port="$port" --bind-address="$host" --user=root --skip-name-resolve \
	--init-file="$dir/init.sql" --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
	--innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M
`

// ScratchMySQLEntrypoint is the MySQL image's entrypoint path, and ScratchMySQLPrograms its other programs, as
// the restore-verify Job's scratch sidecar uses them (podrunner.Image.Entrypoint and Programs).
const ScratchMySQLEntrypoint = "/usr/local/bin/docker-entrypoint.sh"

// ScratchMySQLPrograms are the programs of the MySQL image the scratch sidecar's probe runs.
var ScratchMySQLPrograms = []string{"mysqladmin"}

// WriteScratchMySQL writes into dir the executable that plays the MySQL image for the restore-verify Job's
// scratch sidecar under test/podrunner (a real MariaDB per pod, on the pod's loopback address), and returns its
// path. It fails loudly when MariaDB is not installed.
func WriteScratchMySQL(dir string) (string, error) {
	bins := map[string]string{}
	for placeholder, name := range map[string]string{"@MARIADBD@": "mariadbd", "@INSTALLDB@": "mariadb-install-db",
		"@ADMIN@": "mariadb-admin"} {
		p, err := findBinary(name)
		if err != nil {
			return "", err
		}
		bins[placeholder] = p
	}
	script := scratchMySQLScript
	for placeholder, p := range bins {
		script = strings.ReplaceAll(script, placeholder, "'"+p+"'")
	}
	path := filepath.Join(dir, "scratch-mysql.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return "", fmt.Errorf("write the scratch MySQL player: %w", err)
	}
	return path, nil
}
