{{/* mqherd.fullname: the release's prefix for every object. */}}
{{- define "mqherd.fullname" -}}
{{- if contains "mqherd" .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-mqherd" .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{/* mqherd.envPrefix: how the kubelet names a Service of this release in pods' environment. */}}
{{- define "mqherd.envPrefix" -}}
{{ include "mqherd.fullname" . | upper | replace "-" "_" }}
{{- end -}}

{{- define "mqherd.labels" -}}
app.kubernetes.io/name: mqherd
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "mqherd.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/* mqherd.workers: the worker count, from the values or the agent count and sizing. */}}
{{- define "mqherd.workers" -}}
{{- if .Values.workers -}}{{ int .Values.workers }}{{- else -}}{{ div (add (int .Values.agents) (int .Values.agentsPerWorker) -1) (int .Values.agentsPerWorker) | max 1 }}{{- end -}}
{{- end -}}

{{/* mqherd.agentsPerWorker: the share of one worker (the plan splits evenly). */}}
{{- define "mqherd.agentsPerWorker" -}}
{{- $w := int (include "mqherd.workers" .) -}}
{{ div (add (int .Values.agents) $w -1) $w }}
{{- end -}}

{{/* mqherd.workerMemory: base + agents x KiB per agent, in MiB. */}}
{{- define "mqherd.workerMemory" -}}
{{ add (int .Values.worker.memoryBaseMiB) (div (mul (int (include "mqherd.agentsPerWorker" .)) (int .Values.worker.memoryPerAgentKiB)) 1024) }}Mi
{{- end -}}

{{- define "mqherd.shards" -}}
{{- if gt (int .Values.pki.shards) 0 -}}{{ int .Values.pki.shards }}{{- else -}}{{ div (add (int .Values.agents) 4999) 5000 | max 1 }}{{- end -}}
{{- end -}}

{{- define "mqherd.keySecret" -}}
{{- if .Values.clusterKey.existingSecret -}}{{ .Values.clusterKey.existingSecret }}{{- else -}}{{ include "mqherd.fullname" . }}-cluster-key{{- end -}}
{{- end -}}

{{- define "mqherd.coordinatorAddress" -}}
{{- if .Values.coordinatorAddress -}}{{ .Values.coordinatorAddress }}{{- else -}}$({{ include "mqherd.envPrefix" . }}_COORDINATOR_SERVICE_HOST):{{ .Values.coordinator.listenPort }}{{- end -}}
{{- end -}}

{{- define "mqherd.serverName" -}}
{{- if .Values.serverName -}}{{ .Values.serverName }}{{- else if and .Values.broker.enabled (not .Values.target) -}}{{ .Values.broker.hosts | splitList "," | first }}{{- end -}}
{{- end -}}

{{- define "mqherd.target" -}}
{{- if .Values.target -}}{{ .Values.target }}{{- else if .Values.broker.enabled -}}$({{ include "mqherd.envPrefix" . }}_BROKER_SERVICE_HOST):{{ .Values.broker.port }}{{- else -}}{{ fail "target is required (host:port of the broker), or broker.enabled=true" }}{{- end -}}
{{- end -}}

{{/* mqherd.pkiVolume: the PKI Secret laid out as `mqherd certs` writes it (shards/ below the root). */}}
{{- define "mqherd.pkiVolume" -}}
- name: pki
  secret:
    secretName: {{ required "pki.existingSecret is required (kubectl create secret generic NAME --from-file=PKI --from-file=PKI/shards)" .Values.pki.existingSecret }}
    defaultMode: 0400
    items:
      {{- range $f := list "ca.pem" "ca.key" "server.pem" "server.key" }}
      - {key: {{ $f }}, path: {{ $f }}}
      {{- end }}
      {{- range $i := until (int (include "mqherd.shards" .)) }}
      {{- range $ext := list "pem" "key" "secret" }}
      - {key: {{ printf "shard-%03d.%s" $i $ext }}, path: {{ printf "shards/shard-%03d.%s" $i $ext }}}
      {{- end }}
      {{- end }}
      {{- range $i := until (int (include "mqherd.workers" .)) }}
      {{- range $ext := list "pem" "key" "secret" }}
      - {key: {{ printf "services-worker-%d.%s" $i $ext }}, path: {{ printf "shards/services-worker-%d.%s" $i $ext }}}
      {{- end }}
      {{- end }}
{{- end -}}
