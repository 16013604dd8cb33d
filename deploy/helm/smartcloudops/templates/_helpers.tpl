{{/* Names, labels and the pieces the control plane and the workers share. */}}

{{- define "smartcloudops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "smartcloudops.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's object name: the full name and a suffix, within 63 characters. */}}
{{- define "smartcloudops.componentName" -}}
{{- printf "%s-%s" (include "smartcloudops.fullname" .ctx | trunc (int (sub 62 (len .suffix)))) .suffix | trimSuffix "-" }}
{{- end }}

{{- define "smartcloudops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a component: dict "ctx" $ "component" "control-plane"|"worker"|"redis". */}}
{{- define "smartcloudops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "smartcloudops.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "smartcloudops.labels" -}}
helm.sh/chart: {{ include "smartcloudops.chart" .ctx }}
{{ include "smartcloudops.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: smartcloudops
{{- end }}

{{- define "smartcloudops.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "smartcloudops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "smartcloudops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The secret variables each role reads; workers have no chat, no logins and no LLM. */}}
{{- define "smartcloudops.secretKeys.control-plane" -}}
JWT_SECRET ADMIN_PASSWORD ALERTMANAGER_WEBHOOK_TOKEN SLACK_BOT_TOKEN SLACK_SIGNING_SECRET SLACK_APP_TOKEN TEAMS_APP_PASSWORD OPENAI_API_KEY PROMETHEUS_BEARER_TOKEN PROMETHEUS_PASSWORD OTEL_EXPORTER_OTLP_HEADERS
{{- end }}
{{- define "smartcloudops.secretKeys.worker" -}}
PROMETHEUS_BEARER_TOKEN PROMETHEUS_PASSWORD OTEL_EXPORTER_OTLP_HEADERS
{{- end }}

{{/* The Secret holding the app's secrets: the existing one, or the chart's (empty when there is none). */}}
{{- define "smartcloudops.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- range $k, $v := .Values.secrets.values }}
{{- if $v }}{{ include "smartcloudops.fullname" $ }}{{ break }}{{ end }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when a Redis is configured (bundled or external): then workers run and serve --no-workers. */}}
{{- define "smartcloudops.redis.configured" -}}
{{- if or .Values.redis.enabled .Values.externalRedis.url .Values.externalRedis.existingSecret }}true{{ end }}
{{- end }}

{{- define "smartcloudops.workers.enabled" -}}
{{- if and .Values.worker.enabled (include "smartcloudops.redis.configured" .) }}true{{ end }}
{{- end }}

{{- define "smartcloudops.redis.fullname" -}}
{{- include "smartcloudops.componentName" (dict "ctx" . "suffix" "redis") }}
{{- end }}

{{/* The Secret and key of the bundled Redis's password. */}}
{{- define "smartcloudops.redis.passwordSecret" -}}
{{- default (include "smartcloudops.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- end }}
{{- define "smartcloudops.redis.passwordKey" -}}
{{- if .Values.redis.auth.existingSecret }}{{ .Values.redis.auth.existingSecretKey }}{{ else }}redis-password{{ end }}
{{- end }}

{{/* The bundled Redis's password: given, else the one already in the cluster, else a new random one. */}}
{{- define "smartcloudops.redis.password" -}}
{{- if .Values.redis.auth.password }}
{{- .Values.redis.auth.password }}
{{- else }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "smartcloudops.redis.fullname" .) }}
{{- if and $secret $secret.data (index $secret.data "redis-password") }}
{{- index $secret.data "redis-password" | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}
{{- end }}

{{/* REDIS_URL: built from the bundled Redis's Service and password, or taken from a Secret. */}}
{{- define "smartcloudops.redisEnv" -}}
{{- if .Values.redis.enabled }}
{{- if .Values.redis.auth.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "smartcloudops.redis.passwordSecret" . }}
      key: {{ include "smartcloudops.redis.passwordKey" . }}
- name: REDIS_URL
  value: redis://:$(REDIS_PASSWORD)@{{ include "smartcloudops.redis.fullname" . }}:6379
{{- else }}
- name: REDIS_URL
  value: redis://{{ include "smartcloudops.redis.fullname" . }}:6379
{{- end }}
{{- else if or .Values.externalRedis.url .Values.externalRedis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      {{- if .Values.externalRedis.existingSecret }}
      name: {{ .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.existingSecretKey }}
      {{- else }}
      name: {{ include "smartcloudops.redis.fullname" . }}
      key: redis-url
      {{- end }}
{{- end }}
{{- end }}

{{/*
The environment of a SmartCloudOps container: dict "ctx" $ "role" "control-plane"|"worker".
Secrets by reference only (secretKeyRef); with an existing Secret every key is optional (any subset).
*/}}
{{- define "smartcloudops.env" -}}
{{- $ := .ctx }}
{{- if eq .role "control-plane" }}
- name: HOST
  value: 0.0.0.0
- name: PORT
  value: {{ $.Values.controlPlane.port | int | quote }}
- name: DATABASE_PATH
  value: /data/smartcloudops.db
{{- end }}
- name: TMPDIR
  value: /tmp
# onnxruntime keeps its telemetry id under the cache folder: on the writable /tmp, not the read-only $HOME.
- name: XDG_CACHE_HOME
  value: /tmp/.cache
{{- if $.Values.config }}
- name: CONFIG_FILE
  value: /etc/smartcloudops/config.yaml
{{- end }}
{{- include "smartcloudops.redisEnv" $ }}
{{- $secretName := include "smartcloudops.secretName" $ }}
{{- if $secretName }}
{{- range splitList " " (include (printf "smartcloudops.secretKeys.%s" .role) $) }}
{{- if or $.Values.secrets.existingSecret (index $.Values.secrets.values .) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ . }}
      {{- if $.Values.secrets.existingSecret }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when the config or the chart's secrets change. */}}
{{- define "smartcloudops.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/*
Refuse values that would deploy something wrong: two Redis sources, a secret in the ConfigMap, a
variable the chart sets itself, a Kubernetes binding in a namespace the bot gets no Role in.
*/}}
{{- define "smartcloudops.validate" -}}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret) }}
{{- fail "redis.enabled and externalRedis are both set: set redis.enabled=false to use your own Redis" }}
{{- end }}
{{- $managed := list "REDIS_URL" "HOST" "PORT" "DATABASE_PATH" "CONFIG_FILE" "TMPDIR" "XDG_CACHE_HOME" }}
{{- $secret := splitList " " (include "smartcloudops.secretKeys.control-plane" .) }}
{{- range $name, $value := .Values.env }}
{{- if has $name $secret }}
{{- fail (printf "env.%s is a secret: put it in secrets.values.%s or in secrets.existingSecret" $name $name) }}
{{- end }}
{{- if has $name $managed }}
{{- fail (printf "env.%s is set by the chart; remove it (REDIS_URL: redis/externalRedis; CONFIG_FILE: config)" $name) }}
{{- end }}
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.auth.enabled .Values.redis.auth.password }}
{{- if not (regexMatch "^[A-Za-z0-9._~-]+$" .Values.redis.auth.password) }}
{{- fail "redis.auth.password goes into REDIS_URL as is: use letters, digits and . _ ~ - only" }}
{{- end }}
{{- end }}
{{- range $action, $spec := (.Values.config.actions | default dict) }}
{{- range $target, $binding := ($spec.targets | default dict) }}
{{- if eq (toString $binding.kind) "kubernetes" }}
{{- $ns := $binding.namespace | default "default" }}
{{- if not (has $ns $.Values.rbac.namespaces) }}
{{- fail (printf "config.actions.%s.targets.%s acts in namespace %s: add it to rbac.namespaces" $action $target $ns) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
