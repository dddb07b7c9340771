{{/* Labels every object carries. */}}
{{- define "ecom.labels" -}}
app.kubernetes.io/part-of: ecommerce
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels of one component's objects: (dict "root" $ "name" "api-gateway"). */}}
{{- define "ecom.workloadLabels" -}}
app.kubernetes.io/part-of: ecommerce
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{ include "ecom.selector" . }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "name" "api-gateway"). */}}
{{- define "ecom.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Image of a Node service: registry/name@digest, or registry/name:tag. */}}
{{- define "ecom.image" -}}
{{- $digest := index .root.Values.image.digests .name | default "" -}}
{{- if $digest -}}
{{ printf "%s/%s@%s" .root.Values.image.registry .name $digest }}
{{- else -}}
{{ printf "%s/%s:%s" .root.Values.image.registry .name (.root.Values.image.tag | default .root.Chart.AppVersion) }}
{{- end -}}
{{- end -}}

{{/* A Service's name inside the cluster, fully qualified (nginx's resolver knows no search list). */}}
{{- define "ecom.fqdn" -}}
{{ printf "%s.%s.svc.%s" .name .root.Release.Namespace .root.Values.clusterDomain }}
{{- end -}}

{{/* The restricted Pod Security profile, for every container. */}}
{{- define "ecom.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod-level security: (dict "uid" 10001 "gid" 10001). */}}
{{- define "ecom.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid }}
fsGroup: {{ .gid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The secret roles a component mounts that have a Secret name: (dict "root" $ "roles" list).
Prints "role role ..." (empty when none).
*/}}
{{- define "ecom.mountedRoles" -}}
{{- $out := list -}}
{{- range .roles -}}
{{- $s := index $.root.Values.secrets . | default dict -}}
{{- if $s.name }}{{ $out = append $out . }}{{ end -}}
{{- end -}}
{{- join " " $out -}}
{{- end -}}

{{/* The projected volume of a component's secrets: (dict "root" $ "roles" list). */}}
{{- define "ecom.secretVolume" -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      {{- range splitList " " (include "ecom.mountedRoles" .) }}
      {{- $s := index $.root.Values.secrets . }}
      - secret:
          name: {{ $s.name }}
          items:
            - key: {{ $s.key }}
              path: {{ . }}
      {{- end }}
{{- end -}}

{{/* <env>_FILE variables pointing at the mounted secrets, and SECRET_FILE_VARS listing them. */}}
{{- define "ecom.secretEnv" -}}
{{- $envs := list -}}
{{- range splitList " " (include "ecom.mountedRoles" .) }}
{{- $s := index $.root.Values.secrets . }}
{{- $envs = append $envs $s.env }}
- name: {{ $s.env }}_FILE
  value: /run/secrets/ecom/{{ . }}
{{- end }}
{{- /* docker/secrets-env.sh converts only the listed names; MONGODB_URL/REDIS_URL placeholders too. */}}
- name: SECRET_FILE_VARS
  value: {{ join " " (uniq $envs) | quote }}
{{- end -}}

{{/* Probes of a Node service or nginx: (dict "port" 3000 "probes" (dict startup liveness readiness)). */}}
{{- define "ecom.probes" -}}
startupProbe:
  httpGet: { path: {{ .probes.startup }}, port: {{ .port }} }
  periodSeconds: 2
  timeoutSeconds: 3
  # Up to 2 minutes for a first start on a busy node (image just pulled, database still starting).
  failureThreshold: 60
livenessProbe:
  httpGet: { path: {{ .probes.liveness }}, port: {{ .port }} }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: {{ .probes.readiness }}, port: {{ .port }} }
  periodSeconds: 3
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}
