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
{{- if or (not .Values.secrets.existingSecret) .Values.migrations.databaseUrl }}
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
{{- if and .root.Values.ledger.checkpoint.url (has .role .root.Values.ledger.checkpoint.roles) }}
- name: SENTINEL_LEDGER_CHECKPOINT_URL
  value: {{ .root.Values.ledger.checkpoint.url | quote }}
{{- end }}
{{- /* The schema owner's URL is the migrate init container's alone: blank it here even if a Secret in envFrom carries it. */}}
- name: DATABASE_MIGRATION_URL
  value: ""
{{ include "sentinel.redisEnv" .root }}
{{- end -}}

{{/* Where the Redis password is: redis.auth.existingSecret, else Sentinel's Secret (yours or the chart's). */}}
{{- define "sentinel.redisSecretName" -}}
{{- default (include "sentinel.secretName" .) .Values.redis.auth.existingSecret -}}
{{- end -}}

{{/* The port of redis.address (host:port). */}}
{{- define "sentinel.redisPort" -}}
{{- splitList ":" .Values.redis.address | last -}}
{{- end -}}

{{/*
REDIS_URL with the password from its Secret: Kubernetes expands $(REDIS_PASSWORD) from the variable
defined just before it, so the password is never in the pod spec or a ConfigMap. The password must
therefore be URL-safe (values.schema.json holds a given one to that; the generated one is).
*/}}
{{- define "sentinel.redisEnv" -}}
{{- $r := .Values.redis -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sentinel.redisSecretName" . }}
      key: {{ $r.auth.secretKey }}
{{- if $r.username }}
- name: REDIS_USERNAME
  value: {{ $r.username | quote }}
{{- end }}
- name: REDIS_URL
  value: {{ printf "%s://%s:$(REDIS_PASSWORD)@%s/%d" (ternary "rediss" "redis" $r.tls) $r.username (required "redis.address (host:port of the Redis the queue lives in) is required" $r.address) (int $r.database) | quote }}
{{- end -}}

{{/*
The Redis password the chart's Secret carries: the value given, else the one an earlier release
generated (so upgrades keep it), else a new one.
*/}}
{{- define "sentinel.redisPassword" -}}
{{- $key := .Values.redis.auth.secretKey -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "sentinel.fullname" .) -}}
{{- $kept := "" -}}
{{- if and $existing $existing.data (hasKey $existing.data $key) -}}
{{- $kept = index $existing.data $key | b64dec -}}
{{- end -}}
{{- .Values.redis.auth.password | default $kept | default (randAlphaNum 32) -}}
{{- end -}}

{{/* Whether migrations run as a separate owner role (an init container of the server pods). */}}
{{- define "sentinel.migrationsSeparate" -}}
{{- if or .Values.migrations.databaseUrl .Values.migrations.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "sentinel.migrationSecretName" -}}
{{- default (include "sentinel.componentName" (dict "root" . "component" "migration")) .Values.migrations.existingSecret -}}
{{- end -}}

{{/* Egress every Sentinel pod that talks to the database needs: DNS and PostgreSQL. */}}
{{- define "sentinel.egressDatabase" -}}
{{- $e := .Values.networkPolicy.egress -}}
- ports:
    {{- toYaml $e.dns.ports | nindent 4 }}
  {{- with $e.dns.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
- ports:
    {{- range $e.postgresql.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with $e.postgresql.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
HTTPS (by default) to the internet: forge APIs, git, registries, the checkpoint collector. Private
ranges are left out by default (in-cluster services have rules of their own), and link-local
addresses, where clouds serve instance metadata and credentials, always.
*/}}
{{- define "sentinel.egressInternet" -}}
{{- $i := .Values.networkPolicy.egress.internet -}}
{{- $v4 := list "169.254.0.0/16" -}}
{{- $v6 := list "fe80::/10" "fd00:ec2::254/128" -}}
{{- range $i.except -}}
{{- if contains ":" . }}{{ $v6 = append $v6 . }}{{ else }}{{ $v4 = append $v4 . }}{{ end -}}
{{- end -}}
- ports:
    {{- range $i.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except:
          {{- toYaml $v4 | nindent 10 }}
    - ipBlock:
        cidr: ::/0
        except:
          {{- toYaml $v6 | nindent 10 }}
{{- end -}}
