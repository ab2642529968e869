{{/* Names and labels. Release-prefixed unless the release already says "sentinel". */}}
{{- define "sentinel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sentinel.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: <fullname>-<component>, within the 63 characters of a DNS label. */}}
{{- define "sentinel.componentName" -}}
{{- printf "%s-%s" (include "sentinel.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{- define "sentinel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sentinel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sentinel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sentinel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sentinel
{{- end -}}

{{/* Selector of one role's pods: server and worker never select each other. */}}
{{- define "sentinel.roleSelectorLabels" -}}
{{ include "sentinel.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "sentinel.image" -}}
{{- $repo := required "image.repository is required: push the image built from deploy/Dockerfile and name it here" .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "sentinel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sentinel.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sentinel.secretName" -}}
{{- default (include "sentinel.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Whether pods of .role mount the ledger checkpoint volume. */}}
{{- define "sentinel.ledgerInRole" -}}
{{- if and .root.Values.ledger.checkpoint.enabled (has .role .root.Values.ledger.checkpoint.roles) -}}true{{- end -}}
{{- end -}}

{{- define "sentinel.ledgerClaimName" -}}
{{- default (include "sentinel.componentName" (dict "root" . "component" "ledger")) .Values.ledger.checkpoint.persistence.existingClaim -}}
{{- end -}}

{{/* Environment shared by both roles: the ConfigMap and the Secret, whole. */}}
{{- define "sentinel.envFrom" -}}
- configMapRef:
    name: {{ include "sentinel.fullname" . }}
- secretRef:
    name: {{ include "sentinel.secretName" . }}
{{- end -}}

{{/* Rolls the pods when the configuration the chart owns changes. */}}
{{- define "sentinel.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end -}}

{{/* The BullMQ list of waiting jobs: <prefix>:<queue name>:wait. */}}
{{- define "sentinel.waitListName" -}}
{{- $r := .Values.worker.autoscaling.keda.redis -}}
{{- default (printf "%s:sentinel:wait" (default "bull" .Values.config.queuePrefix)) $r.listName -}}
{{- end -}}

{{/* Jobs waiting plus running, one series; the default autoscaling query. */}}
{{- define "sentinel.queueDepthQuery" -}}
{{- $q := .Values.worker.autoscaling.keda.prometheus.query -}}
{{- if $q -}}{{ $q }}{{- else -}}
sum(max by (state) (sentinel_queue_jobs{namespace="{{ .Release.Namespace }}", state=~"waiting|active"}))
{{- end -}}
{{- end -}}

{{/* Volumes and mounts both roles have: a writable /tmp, and the ledger checkpoint folder. */}}
{{- define "sentinel.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- if include "sentinel.ledgerInRole" . }}
- name: ledger
  {{- if .root.Values.ledger.checkpoint.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "sentinel.ledgerClaimName" .root }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "sentinel.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "sentinel.ledgerInRole" . }}
- name: ledger
  mountPath: {{ dir .root.Values.ledger.checkpoint.path }}
{{- end }}
{{- end -}}

{{- define "sentinel.commonEnv" -}}
- name: SENTINEL_ROLE
  value: {{ .role }}
{{- if include "sentinel.ledgerInRole" . }}
- name: SENTINEL_LEDGER_CHECKPOINT
  value: {{ .root.Values.ledger.checkpoint.path | quote }}
{{- end }}
{{- end -}}
