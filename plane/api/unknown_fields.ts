/**
 * The unknown-field walk behind `fieldValidation=Strict|Warn`: which field paths of an object
 * are not fields of its kind's API type.
 *
 * The field lists below are the Kubernetes 1.32 API types of the served kinds, down to the
 * structs manifests usually spell out (pod spec, containers, ports, env, mounts, volumes'
 * names, tolerations, controller specs, services, config maps, secrets); deeper or rarer
 * structs (probes, security contexts, affinity, volume sources, status) are taken as
 * free-form, so a typo there is not reported — never a false alarm.
 *
 * Source: https://kubernetes.io/docs/reference/kubernetes-api/ (type pages) and
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { VOLUME_SOURCES } from "./_volume_sources.ts";

/**
 * A field's type: `"s"` scalar, `"any"` free-form, `"map"` map of scalars, `"[T]"` list of T,
 * `"{T}"` map of T, or a struct name of {@linkcode STRUCTS}.
 */
type FieldType = string;

const scalars = (...names: string[]): Record<string, FieldType> =>
  Object.fromEntries(names.map((n) => [n, "s"]));
const free = (...names: string[]): Record<string, FieldType> =>
  Object.fromEntries(names.map((n) => [n, "any"]));

const TYPE_META = scalars("apiVersion", "kind");

const STRUCTS: Readonly<Record<string, Readonly<Record<string, FieldType>>>> = {
  ObjectMeta: {
    ...scalars(
      "name",
      "generateName",
      "namespace",
      "selfLink",
      "uid",
      "resourceVersion",
      "generation",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
    ),
    labels: "map",
    annotations: "map",
    ownerReferences: "[OwnerReference]",
    finalizers: "[s]",
    managedFields: "[any]",
  },
  OwnerReference: scalars("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"),
  LabelSelector: { matchLabels: "map", matchExpressions: "[LabelSelectorRequirement]" },
  LabelSelectorRequirement: { ...scalars("key", "operator"), values: "[s]" },
  Pod: { ...TYPE_META, metadata: "ObjectMeta", spec: "PodSpec", status: "any" },
  PodTemplateSpec: { metadata: "ObjectMeta", spec: "PodSpec" },
  PodSpec: {
    ...scalars(
      "restartPolicy",
      "terminationGracePeriodSeconds",
      "activeDeadlineSeconds",
      "dnsPolicy",
      "serviceAccountName",
      "serviceAccount",
      "automountServiceAccountToken",
      "nodeName",
      "hostNetwork",
      "hostPID",
      "hostIPC",
      "shareProcessNamespace",
      "hostname",
      "subdomain",
      "schedulerName",
      "priorityClassName",
      "priority",
      "runtimeClassName",
      "enableServiceLinks",
      "preemptionPolicy",
      "setHostnameAsFQDN",
      "hostUsers",
    ),
    volumes: "[Volume]",
    initContainers: "[Container]",
    containers: "[Container]",
    ephemeralContainers: "[any]",
    nodeSelector: "map",
    tolerations: "[Toleration]",
    ...free(
      "securityContext",
      "imagePullSecrets",
      "affinity",
      "hostAliases",
      "dnsConfig",
      "readinessGates",
      "overhead",
      "topologySpreadConstraints",
      "os",
      "schedulingGates",
      "resourceClaims",
      "resources",
    ),
  },
  Container: {
    ...scalars(
      "name",
      "image",
      "workingDir",
      "restartPolicy",
      "terminationMessagePath",
      "terminationMessagePolicy",
      "imagePullPolicy",
      "stdin",
      "stdinOnce",
      "tty",
    ),
    command: "[s]",
    args: "[s]",
    ports: "[ContainerPort]",
    env: "[EnvVar]",
    volumeMounts: "[VolumeMount]",
    ...free(
      "envFrom",
      "resources",
      "resizePolicy",
      "volumeDevices",
      "livenessProbe",
      "readinessProbe",
      "startupProbe",
      "lifecycle",
      "securityContext",
    ),
  },
  ContainerPort: scalars("name", "hostPort", "containerPort", "protocol", "hostIP"),
  EnvVar: { ...scalars("name", "value"), valueFrom: "any" },
  VolumeMount: scalars(
    "name",
    "readOnly",
    "recursiveReadOnly",
    "mountPath",
    "subPath",
    "mountPropagation",
    "subPathExpr",
  ),
  Volume: { name: "s", ...free(...VOLUME_SOURCES) },
  Toleration: scalars("key", "operator", "value", "effect", "tolerationSeconds"),
  Deployment: { ...TYPE_META, metadata: "ObjectMeta", spec: "DeploymentSpec", status: "any" },
  DeploymentSpec: {
    ...scalars(
      "replicas",
      "minReadySeconds",
      "revisionHistoryLimit",
      "paused",
      "progressDeadlineSeconds",
    ),
    selector: "LabelSelector",
    template: "PodTemplateSpec",
    strategy: "DeploymentStrategy",
  },
  DeploymentStrategy: { type: "s", rollingUpdate: "RollingUpdateDeployment" },
  RollingUpdateDeployment: scalars("maxUnavailable", "maxSurge"),
  ReplicaSet: { ...TYPE_META, metadata: "ObjectMeta", spec: "ReplicaSetSpec", status: "any" },
  ReplicaSetSpec: {
    ...scalars("replicas", "minReadySeconds"),
    selector: "LabelSelector",
    template: "PodTemplateSpec",
  },
  Service: { ...TYPE_META, metadata: "ObjectMeta", spec: "ServiceSpec", status: "any" },
  ServiceSpec: {
    ...scalars(
      "clusterIP",
      "type",
      "sessionAffinity",
      "loadBalancerIP",
      "externalName",
      "externalTrafficPolicy",
      "healthCheckNodePort",
      "publishNotReadyAddresses",
      "ipFamilyPolicy",
      "allocateLoadBalancerNodePorts",
      "loadBalancerClass",
      "internalTrafficPolicy",
      "trafficDistribution",
    ),
    ports: "[ServicePort]",
    selector: "map",
    clusterIPs: "[s]",
    externalIPs: "[s]",
    loadBalancerSourceRanges: "[s]",
    ipFamilies: "[s]",
    sessionAffinityConfig: "any",
  },
  ServicePort: scalars("name", "protocol", "appProtocol", "port", "targetPort", "nodePort"),
  ConfigMap: {
    ...TYPE_META,
    metadata: "ObjectMeta",
    immutable: "s",
    data: "map",
    binaryData: "map",
  },
  Secret: {
    ...TYPE_META,
    metadata: "ObjectMeta",
    immutable: "s",
    data: "map",
    stringData: "map",
    type: "s",
  },
  Namespace: { ...TYPE_META, metadata: "ObjectMeta", spec: "any", status: "any" },
  Node: { ...TYPE_META, metadata: "ObjectMeta", spec: "any", status: "any" },
  ServiceAccount: {
    ...TYPE_META,
    metadata: "ObjectMeta",
    secrets: "[any]",
    imagePullSecrets: "[any]",
    automountServiceAccountToken: "s",
  },
  Endpoints: { ...TYPE_META, metadata: "ObjectMeta", subsets: "[any]" },
  EndpointSlice: {
    ...TYPE_META,
    metadata: "ObjectMeta",
    addressType: "s",
    endpoints: "[any]",
    ports: "[any]",
  },
  Event: {
    ...TYPE_META,
    metadata: "ObjectMeta",
    ...scalars(
      "reason",
      "message",
      "firstTimestamp",
      "lastTimestamp",
      "count",
      "type",
      "eventTime",
      "action",
      "reportingComponent",
      "reportingInstance",
    ),
    ...free("involvedObject", "source", "series", "related"),
  },
  "Event.events.k8s.io": {
    ...TYPE_META,
    metadata: "ObjectMeta",
    ...scalars(
      "eventTime",
      "reportingController",
      "reportingInstance",
      "action",
      "reason",
      "note",
      "type",
      "deprecatedFirstTimestamp",
      "deprecatedLastTimestamp",
      "deprecatedCount",
    ),
    ...free("series", "regarding", "related", "deprecatedSource"),
  },
  Lease: { ...TYPE_META, metadata: "ObjectMeta", spec: "any" },
  Scale: { ...TYPE_META, metadata: "ObjectMeta", spec: "any", status: "any" },
  Binding: { ...TYPE_META, metadata: "ObjectMeta", target: "any" },
};

function walk(v: unknown, type: FieldType, path: string, out: string[]): void {
  if (type === "s" || type === "any" || type === "map" || v === null || v === undefined) return;
  if (type.startsWith("[")) {
    if (!Array.isArray(v)) return;
    const inner = type.slice(1, -1);
    v.forEach((item, i) => walk(item, inner, `${path}[${i}]`, out));
    return;
  }
  if (type.startsWith("{")) {
    if (!isRecord(v)) return;
    const inner = type.slice(1, -1);
    for (const [k, item] of Object.entries(v)) walk(item, inner, `${path}[${k}]`, out);
    return;
  }
  const struct = STRUCTS[type];
  if (struct === undefined || !isRecord(v)) return;
  for (const [k, item] of Object.entries(v)) {
    const p = path === "" ? k : `${path}.${k}`;
    const ft = struct[k];
    if (ft === undefined) out.push(p);
    else walk(item, ft, p, out);
  }
}

/**
 * The paths of fields in `obj` that its kind's API type does not have, in document order,
 * e.g. `["spec.containers[0].imagee"]`. kube-apiserver answers `fieldValidation=Strict` with
 * `400 BadRequest` `strict decoding error: unknown field "spec.containers[0].imagee"` (one
 * `unknown field "..."` per path, joined by `, `), and `Warn` with one `Warning` header per
 * path. Kinds rks does not know yield `[]`. An `Event` whose `apiVersion` is
 * `events.k8s.io/v1` is checked against that group's Event type.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 *
 * @example
 * ```ts
 * import { unknownFields } from "./unknown_fields.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   unknownFields("Pod", {
 *     apiVersion: "v1", kind: "Pod", metadata: { name: "web", labelz: {} },
 *     spec: { containers: [{ name: "a", image: "nginx", imagee: "x" }] },
 *   }),
 *   ["metadata.labelz", "spec.containers[0].imagee"],
 * );
 * ```
 */
export function unknownFields(kind: string, obj: unknown): string[] {
  let type = kind;
  if (
    kind === "Event" && isRecord(obj) && typeof obj.apiVersion === "string" &&
    obj.apiVersion.startsWith("events.k8s.io/")
  ) {
    type = "Event.events.k8s.io";
  }
  const out: string[] = [];
  walk(obj, type, "", out);
  return out;
}
