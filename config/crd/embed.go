// Package crd embeds the CRDs this build of Orca was generated with (bases/, by make manifests), so the
// operator can compare them with the ones installed in the cluster.
package crd

import "embed"

// Bases holds bases/*.yaml.
//
//go:embed bases/*.yaml
var Bases embed.FS
