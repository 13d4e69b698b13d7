{{/* The release's full name: the release name, with "orca" appended unless it already says orca. */}}
{{- define "orca.fullname" -}}
{{- if contains "orca" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-orca" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "orca.selectorLabels" -}}
app.kubernetes.io/name: orca
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "orca.labels" -}}
{{ include "orca.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "orca.serviceAccountName" -}}
{{- if .Values.serviceAccount.name -}}
{{- .Values.serviceAccount.name -}}
{{- else -}}
{{- include "orca.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "orca.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* orca.seconds is a Go duration such as 30s, 1m or 1m30s in whole seconds (rounded down). */}}
{{- define "orca.seconds" -}}
{{- $d := . -}}
{{- $total := 0 -}}
{{- range $part := regexFindAll "[0-9.]+(h|ms|us|ns|m|s)" $d -1 -}}
{{- $n := regexFind "^[0-9.]+" $part | float64 -}}
{{- $unit := regexReplaceAll "^[0-9.]+" $part "" -}}
{{- if eq $unit "h" }}{{ $total = addf $total (mulf $n 3600) }}{{ end -}}
{{- if eq $unit "m" }}{{ $total = addf $total (mulf $n 60) }}{{ end -}}
{{- if eq $unit "s" }}{{ $total = addf $total $n }}{{ end -}}
{{- end -}}
{{- floor $total | int -}}
{{- end -}}
