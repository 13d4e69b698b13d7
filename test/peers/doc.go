// Package peers starts the real servers that tests run against (MariaDB today) on 127.0.0.1,
// each with its own data folder, and stops them when the test ends.
//
// A missing server binary is a test failure, never a skip: `make test-deps` installs them.
package peers
