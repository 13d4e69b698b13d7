// Package tlsca is Orca's certificate authority for the members of a cluster: it generates the CA, issues each
// member a certificate for its stable DNS names and decides, on plain data, which certificates are due
// (Decide). The controller stores the results in Secrets (docs/tls.md); nothing here talks to Kubernetes.
package tlsca
