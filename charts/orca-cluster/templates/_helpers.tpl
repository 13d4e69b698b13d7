{{/* The Secret (and Certificate) cert-manager writes the members' certificate to. */}}
{{- define "orca-cluster.certSecret" -}}
{{ .Values.name }}-cert-manager-tls
{{- end }}

{{/* The InnoDBCluster's spec: the values' spec, with tlsSecretName pointing at cert-manager's Secret. */}}
{{- define "orca-cluster.spec" -}}
{{- $spec := deepCopy .Values.spec }}
{{- if .Values.certManager.enabled }}
{{- $_ := set $spec "tlsSecretName" (include "orca-cluster.certSecret" .) }}
{{- end }}
{{- toYaml $spec }}
{{- end }}
