// Package kubectlorca is the `kubectl orca` plugin: commands that read and write Orca's objects through the
// Kubernetes API with the user's kubeconfig. It never connects to MySQL: everything it shows comes from the
// status Orca publishes, and everything it asks for is an annotation or an object Orca acts on.
package kubectlorca
