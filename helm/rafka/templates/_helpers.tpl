{{/* Names: pods are <fullname>-N, the headless service <fullname>-headless, the client service <fullname>. */}}
{{- define "rafka.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rafka.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rafka.headless" -}}
{{- printf "%s-headless" (include "rafka.fullname" .) -}}
{{- end -}}

{{- define "rafka.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rafka.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rafka.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: mesh-node
{{- end -}}

{{- define "rafka.labels" -}}
helm.sh/chart: {{ include "rafka.chart" . }}
{{ include "rafka.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Supernode count: the value, or min(3, replicas) when empty. */}}
{{- define "rafka.supernodes" -}}
{{- if kindIs "invalid" .Values.supernodes -}}
{{- min 3 (int .Values.replicas) -}}
{{- else -}}
{{- int .Values.supernodes -}}
{{- end -}}
{{- end -}}

{{/* DNS name of pod N: <fullname>-N.<headless>.<namespace>.svc.<clusterDomain> */}}
{{- define "rafka.podDns" -}}
{{- printf "%s-%d.%s.%s.svc.%s" (include "rafka.fullname" .root) (int .ordinal) (include "rafka.headless" .root) .root.Release.Namespace .root.Values.clusterDomain -}}
{{- end -}}

{{/* cluster.seeds: the supernode pods on the cluster port. */}}
{{- define "rafka.seeds" -}}
{{- $seeds := list -}}
{{- range $i := until (int (include "rafka.supernodes" .)) -}}
{{- $seeds = append $seeds (printf "%s:%d" (include "rafka.podDns" (dict "root" $ "ordinal" $i)) (int $.Values.cluster.port)) -}}
{{- end -}}
{{- join "," $seeds -}}
{{- end -}}

{{/* The Secret the Scylla credentials come from: an existing one, or the chart's. */}}
{{- define "rafka.scyllaSecret" -}}
{{- default (printf "%s-scylla" (include "rafka.fullname" .)) .Values.scylla.auth.existingSecret -}}
{{- end -}}

{{- define "rafka.scyllaAuth" -}}
{{- if or .Values.scylla.auth.existingSecret .Values.scylla.auth.username -}}true{{- end -}}
{{- end -}}

{{/* Node settings the chart sets itself; `config` may not override them. */}}
{{- define "rafka.managedKeys" -}}
node.name cluster.name cluster.enabled cluster.host cluster.port cluster.seeds cluster.supernode cluster.supernodes
cluster.metadata-backups cluster.session-ttl-ms cluster.failure-detection-ms cluster.seed-wait-ms
grpc.host grpc.port grpc.advertised-address http.host http.port data.dir storage.engine
storage.scylla.contact-points storage.scylla.local-datacenter storage.scylla.keyspace
storage.scylla.replication-strategy storage.scylla.replication-factor storage.scylla.write-consistency
storage.scylla.read-consistency storage.scylla.request-timeout-ms storage.scylla.username storage.scylla.password
storage.scylla.tls.enabled storage.scylla.tls.truststore storage.scylla.tls.truststore-password
storage.scylla.tls.hostname-validation cache.kind cache.host cache.port cache.ttl-ms
{{- end -}}

{{/*
Checks that relate several values (values.schema.json checks each value alone). `helm lint`
does not fail on these; `helm install` and `helm template` do.
*/}}
{{- define "rafka.validate" -}}
{{- if not .Values.scylla.contactPoints -}}
{{- fail "scylla.contactPoints is required: the host:port of your ScyllaDB nodes, e.g. --set 'scylla.contactPoints={scylla-client.scylla.svc.cluster.local:9042}'" -}}
{{- end -}}
{{- $supernodes := int (include "rafka.supernodes" .) -}}
{{- if gt $supernodes (int .Values.replicas) -}}
{{- fail (printf "supernodes (%d) must not exceed replicas (%d): supernodes are the pods %s-0 .. %s-%d; lower supernodes or leave it empty for min(3, replicas)" $supernodes (int .Values.replicas) (include "rafka.fullname" .) (include "rafka.fullname" .) (sub $supernodes 1)) -}}
{{- end -}}
{{- if and .Values.scylla.auth.username (not .Values.scylla.auth.existingSecret) (not .Values.scylla.auth.password) -}}
{{- fail "scylla.auth.username is set without scylla.auth.password: give the password too, or name a Secret holding both in scylla.auth.existingSecret" -}}
{{- end -}}
{{- if and .Values.scylla.auth.password (not .Values.scylla.auth.username) (not .Values.scylla.auth.existingSecret) -}}
{{- fail "scylla.auth.password is set without scylla.auth.username" -}}
{{- end -}}
{{- if and .Values.scylla.tls.truststorePasswordKey (not .Values.scylla.tls.truststoreSecret) -}}
{{- fail "scylla.tls.truststorePasswordKey needs scylla.tls.truststoreSecret, the Secret holding the truststore and its password" -}}
{{- end -}}
{{- if regexMatch "(^|\\s)-Xmx" .Values.jvm.options -}}
{{- fail "jvm.options must not fix the heap (-Xmx): it follows the container's memory limit (-XX:MaxRAMPercentage in the image); raise resources.limits.memory instead" -}}
{{- end -}}
{{- $ports := list (int .Values.grpc.port) (int .Values.http.port) (int .Values.cluster.port) -}}
{{- if ne (len (uniq $ports)) 3 -}}
{{- fail (printf "grpc.port (%d), http.port (%d) and cluster.port (%d) must differ" (int .Values.grpc.port) (int .Values.http.port) (int .Values.cluster.port)) -}}
{{- end -}}
{{- $managed := splitList " " (include "rafka.managedKeys" . | replace "\n" " ") -}}
{{- range $key, $value := .Values.config -}}
{{- if has $key $managed -}}
{{- fail (printf "config.%s is set by the chart; use its own value instead (see values.yaml)" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
