package v1alpha1

import "strings"

// ReceiverPath is where the hook's deliveries are POSTed on the operator's webhook port.
func (h *MigrationHook) ReceiverPath() string {
	return "/hooks/" + h.Namespace + "/" + h.Name
}

// ReceiverURL is the URL to give the git host: the receiver's external base (the operator's
// --hooks-external-url) followed by ReceiverPath, or ReceiverPath alone when the base is unknown ("").
func (h *MigrationHook) ReceiverURL(base string) string {
	return strings.TrimRight(base, "/") + h.ReceiverPath()
}
