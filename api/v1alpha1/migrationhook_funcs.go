package v1alpha1

// ReceiverPath is where the hook's deliveries are POSTed on the operator's webhook port.
func (h *MigrationHook) ReceiverPath() string {
	return "/hooks/" + h.Namespace + "/" + h.Name
}
