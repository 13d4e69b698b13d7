// Package specs builds the Kubernetes objects of an InnoDBCluster from its spec. Every function is pure:
// the same cluster gives the same objects, so applying them twice changes nothing.
package specs
