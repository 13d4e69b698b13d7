// Package xconformance checks Orca's X Protocol server side against the official MySQL Connector/Node.js
// (@mysql/xdevapi, pinned in package-lock.json, used only as a test tool) and runs the same matrix with
// Orca's own Go client. `make test-deps` (hack/npm.sh) installs node_modules; without it the tests fail.
package xconformance
