// Package gitsample makes the migration sample of the tree (config/samples/migrations) into a real git
// repository, serves it on loopback as GitHub would be cloned from, and builds the push delivery GitHub would send
// for it, signed with a hook's secret: the end-to-end tests send it from Go, the playground prints it as a curl.
package gitsample
