// Package helm tests the Helm charts in charts/ with the real helm 3 and helm 4 (hack/helm.sh) and a real
// kube-apiserver: lint, template for every values example, strict values schemas, server-side dry runs of
// the rendered manifests (CRD validation and the restricted Pod Security Standard included), and agreement
// with the kustomize manifests in config/.
package helm
