/**
 * The pod spec checks of kube-apiserver (`ValidatePodSpec`, `ValidatePodUpdate`) that matter
 * for what rks runs: containers, ports, env, volumes and mounts, policies, and which spec
 * fields an update may change.
 *
 * Source: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/ and
 * `pkg/apis/core/validation/validation.go` (messages).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type ExactQuantity, parseExactQuantity } from "../../core/quantity.ts";
import { type FieldErrors, FieldPath } from "./_field_errors.ts";
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
} from "./_name_rules.ts";
import { configKeyErrors } from "./_validate_kinds.ts";
import { validateAnnotations, validateLabels } from "./_validate_meta.ts";
import { validateVolumeMounts, validateVolumes } from "./_validate_volumes.ts";
import { cloneJson } from "./clone_json.ts";

type Obj = Record<string, unknown>;

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const CONTAINER_RESTART_POLICIES = ["Always"];

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Checks `value` (when present) against `supported`; `""` is a missing required value. */
function oneOf(errs: FieldErrors, path: FieldPath, value: unknown, supported: string[]): void {
  if (value === undefined || value === null) return;
  if (value === "") errs.required(path);
  else if (typeof value !== "string" || !supported.includes(value)) {
    errs.notSupported(path, value, supported);
  }
}

function validateEnvName(errs: FieldErrors, path: FieldPath, name: unknown): void {
  if (typeof name !== "string" || name === "") {
    errs.required(path);
    return;
  }
  // RelaxedEnvironmentVariableValidation (beta, on by default in 1.32).
  if ([...name].some((c) => c < " " || c > "~" || c === "=")) {
    errs.invalid(
      path,
      name,
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    );
  }
}

function validatePorts(errs: FieldErrors, ports: unknown, path: FieldPath): void {
  const names = new Set<string>();
  list(ports).forEach((p, i) => {
    const pp = path.index(i);
    if (!isRecord(p)) {
      errs.invalid(pp, p, "must be an object");
      return;
    }
    if (typeof p.name === "string" && p.name !== "") {
      errs.invalidEach(pp.child("name"), p.name, portNameErrors(p.name));
      if (names.has(p.name)) errs.duplicate(pp.child("name"), p.name);
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) {
      errs.required(pp.child("containerPort"));
    } else {
      errs.invalidEach(
        pp.child("containerPort"),
        p.containerPort,
        portNumErrors(Number(p.containerPort)),
      );
    }
    if (p.hostPort !== undefined && p.hostPort !== 0) {
      errs.invalidEach(pp.child("hostPort"), p.hostPort, portNumErrors(Number(p.hostPort)));
    }
    oneOf(errs, pp.child("protocol"), p.protocol, PROTOCOLS);
  });
}

const QUANTITY_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function quantity(
  errs: FieldErrors,
  path: FieldPath,
  v: unknown,
): ExactQuantity | undefined {
  if (typeof v !== "string" && typeof v !== "number") {
    errs.invalid(path, v, QUANTITY_MESSAGE);
    return undefined;
  }
  try {
    const q = parseExactQuantity(v);
    if (q.num < 0n) {
      errs.invalid(path, String(v), "must be greater than or equal to 0");
      return undefined;
    }
    return q;
  } catch {
    errs.invalid(path, String(v), QUANTITY_MESSAGE);
    return undefined;
  }
}

/** `ValidateResourceRequirements`: valid, non-negative quantities; requests ≤ limits. */
function validateResources(errs: FieldErrors, res: unknown, path: FieldPath): void {
  if (!isRecord(res)) return;
  const limits = new Map<string, [ExactQuantity, string]>();
  if (isRecord(res.limits)) {
    for (const [name, v] of Object.entries(res.limits)) {
      const q = quantity(errs, path.child("limits").key(name), v);
      if (q !== undefined) limits.set(name, [q, String(v)]);
    }
  }
  if (isRecord(res.requests)) {
    for (const [name, v] of Object.entries(res.requests)) {
      const rp = path.child("requests").key(name);
      const q = quantity(errs, rp, v);
      const limit = limits.get(name);
      if (q === undefined || limit === undefined) continue;
      const [l, text] = limit;
      if (q.num * l.den > l.num * q.den) {
        errs.invalid(rp, String(v), `must be less than or equal to ${name} limit of ${text}`);
      }
    }
  }
}

function validateContainer(
  errs: FieldErrors,
  c: Obj,
  path: FieldPath,
  volumes: ReadonlySet<string>,
  isInit: boolean,
): void {
  if (typeof c.image !== "string" || c.image.trim() === "") {
    if (typeof c.image === "string" && c.image !== "") {
      errs.invalid(path.child("image"), c.image, "must not have leading or trailing whitespace");
    } else errs.required(path.child("image"));
  } else if (c.image !== c.image.trim()) {
    errs.invalid(path.child("image"), c.image, "must not have leading or trailing whitespace");
  }
  oneOf(errs, path.child("imagePullPolicy"), c.imagePullPolicy, PULL_POLICIES);
  if (c.restartPolicy !== undefined) {
    if (!isInit) {
      errs.forbidden(path.child("restartPolicy"), "may not be set for non-init containers");
    } else oneOf(errs, path.child("restartPolicy"), c.restartPolicy, CONTAINER_RESTART_POLICIES);
  }
  validatePorts(errs, c.ports, path.child("ports"));
  validateResources(errs, c.resources, path.child("resources"));
  validateProbes(errs, c, path);
  list(c.env).forEach((e, i) => {
    const ep = path.child("env").index(i);
    if (!isRecord(e)) errs.invalid(ep, e, "must be an object");
    else {
      validateEnvName(errs, ep.child("name"), e.name);
      validateEnvVarValueFrom(errs, e, ep.child("valueFrom"));
    }
  });
  validateVolumeMounts(errs, c.volumeMounts, path.child("volumeMounts"), volumes);
}

/** The downward API fields an env var may name (`validEnvDownwardAPIFieldPathExpressions`). */
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];

/** The field labels `ConvertDownwardAPIFieldLabel` knows for pods (v1). */
const POD_FIELD_LABELS = new Set([
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.serviceAccountName",
  "spec.schedulerName",
  "status.phase",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
]);

/** The container resources an env var may name (`validEnvResourceFieldPathExpressions`). */
const ENV_RESOURCE_FIELDS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['k']` → path and subscript. */
function splitSubscript(p: string): [string, string] | undefined {
  if (!p.endsWith("']")) return undefined;
  const open = p.indexOf("['");
  return open === -1 ? undefined : [p.slice(0, open), p.slice(open + 2, -2)];
}

/** `validateObjectFieldSelector` for env vars (apiVersion is defaulted to v1 before). */
function validateEnvFieldRef(errs: FieldErrors, fs: Obj, path: FieldPath): void {
  const version = typeof fs.apiVersion === "string" ? fs.apiVersion : "v1";
  const fieldPath = typeof fs.fieldPath === "string" ? fs.fieldPath : "";
  if (version === "") return errs.required(path.child("apiVersion"));
  if (fieldPath === "") return errs.required(path.child("fieldPath"));
  const split = splitSubscript(fieldPath);
  // ConvertDownwardAPIFieldLabel (pkg/api/pod): the version, then the label.
  const converted = version !== "v1"
    ? `unsupported pod version: ${version}`
    : split
    ? (split[0] === "metadata.annotations" || split[0] === "metadata.labels"
      ? undefined
      : `field label does not support subscript: ${fieldPath}`)
    : POD_FIELD_LABELS.has(fieldPath) || fieldPath === "spec.host"
    ? undefined
    : `field label not supported: ${fieldPath}`;
  if (converted) {
    return errs.invalid(
      path.child("fieldPath"),
      fieldPath,
      `error converting fieldPath: ${converted}`,
    );
  }
  const internal = fieldPath === "spec.host" ? "spec.nodeName" : fieldPath;
  if (split) {
    const [p, key] = split;
    errs.invalidEach(
      path,
      key,
      qualifiedNameErrors(p === "metadata.annotations" ? key.toLowerCase() : key),
    );
  } else if (!ENV_FIELD_PATHS.includes(internal)) {
    errs.notSupported(path.child("fieldPath"), internal, ENV_FIELD_PATHS);
  }
}

/** `validateConfigMapKeySelector` / `validateSecretKeySelector`. */
function validateKeySelector(errs: FieldErrors, s: Obj, path: FieldPath): void {
  const name = typeof s.name === "string" ? s.name : "";
  errs.invalidEach(path.child("name"), name, dns1123SubdomainErrors(name));
  const key = typeof s.key === "string" ? s.key : "";
  if (key === "") errs.required(path.child("key"));
  else errs.invalidEach(path.child("key"), key, configKeyErrors(key));
}

/**
 * `validateEnvVarValueFrom` (pkg/apis/core/validation): exactly one source, each source checked,
 * and no `valueFrom` next to a non-empty `value`.
 */
function validateEnvVarValueFrom(errs: FieldErrors, e: Obj, path: FieldPath): void {
  if (!isRecord(e.valueFrom)) return;
  const from = e.valueFrom;
  let sources = 0;
  if (isRecord(from.fieldRef)) {
    sources++;
    validateEnvFieldRef(errs, from.fieldRef, path.child("fieldRef"));
  }
  if (isRecord(from.resourceFieldRef)) {
    sources++;
    const r = from.resourceFieldRef;
    const resource = typeof r.resource === "string" ? r.resource : "";
    if (resource === "") errs.required(path.child("resourceFieldRef", "resource"));
    else if (
      !ENV_RESOURCE_FIELDS.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)
    ) {
      errs.notSupported(path.child("resourceFieldRef", "resource"), resource, ENV_RESOURCE_FIELDS);
    }
  }
  if (isRecord(from.configMapKeyRef)) {
    sources++;
    validateKeySelector(errs, from.configMapKeyRef, path.child("configMapKeyRef"));
  }
  if (isRecord(from.secretKeyRef)) {
    sources++;
    validateKeySelector(errs, from.secretKeyRef, path.child("secretKeyRef"));
  }
  if (sources === 0) {
    errs.invalid(
      path,
      "",
      "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
    );
  } else if (typeof e.value === "string" && e.value !== "") {
    errs.invalid(path, "", "may not be specified when `value` is not empty");
  } else if (sources > 1) {
    errs.invalid(path, "", "may not have more than one field specified at a time");
  }
}

function validateContainerList(
  errs: FieldErrors,
  items: unknown,
  path: FieldPath,
  names: Set<string>,
  volumes: ReadonlySet<string>,
  isInit: boolean,
): void {
  list(items).forEach((c, i) => {
    const cp = path.index(i);
    if (!isRecord(c)) {
      errs.invalid(cp, c, "must be an object");
      return;
    }
    if (typeof c.name !== "string" || c.name === "") errs.required(cp.child("name"));
    else {
      errs.invalidEach(cp.child("name"), c.name, dns1123LabelErrors(c.name));
      if (names.has(c.name)) errs.duplicate(cp.child("name"), c.name);
      names.add(c.name);
    }
    validateContainer(errs, c, cp, volumes, isInit);
  });
}

/** `AccumulateUniqueHostPorts`: a host port (protocol, IP) is used once per pod. */
function validateHostPorts(errs: FieldErrors, spec: Obj, path: FieldPath): void {
  const seen = new Set<string>();
  for (const f of ["containers", "initContainers"]) {
    list(spec[f]).forEach((c, i) => {
      list(isRecord(c) ? c.ports : undefined).forEach((p, j) => {
        if (!isRecord(p) || p.hostPort === undefined || p.hostPort === 0) return;
        const key = `${p.protocol ?? "TCP"}/${p.hostIP ?? ""}/${p.hostPort}`;
        const hp = path.child(f).index(i).child("ports").index(j).child("hostPort");
        if (seen.has(key)) errs.duplicate(hp, key);
        seen.add(key);
      });
    });
  }
}

const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];
const LIFECYCLE_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"];

/** One handler per probe or hook (`validateHandler`). */
function validateHandler(
  errs: FieldErrors,
  h: unknown,
  path: FieldPath,
  kinds: readonly string[],
): void {
  if (!isRecord(h)) return;
  const set = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (set.length === 0) errs.required(path, "must specify a handler type");
  for (const extra of set.slice(1)) {
    errs.forbidden(path.child(extra), "may not specify more than 1 handler type");
  }
}

function validateProbes(errs: FieldErrors, c: Obj, path: FieldPath): void {
  for (const f of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const probe = c[f];
    if (!isRecord(probe)) continue;
    validateHandler(errs, probe, path.child(f), PROBE_HANDLERS);
    for (
      const n of [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
      ]
    ) {
      const v = probe[n];
      if (typeof v === "number" && v < 0) {
        errs.invalid(path.child(f, n), v, "must be greater than or equal to 0");
      }
    }
    if (
      f !== "readinessProbe" && probe.successThreshold !== undefined && probe.successThreshold !== 1
    ) {
      errs.invalid(path.child(f, "successThreshold"), probe.successThreshold, "must be 1");
    }
  }
  const lc = c.lifecycle;
  if (isRecord(lc)) {
    for (const hook of ["postStart", "preStop"]) {
      if (lc[hook] !== undefined) {
        validateHandler(errs, lc[hook], path.child("lifecycle", hook), LIFECYCLE_HANDLERS);
      }
    }
  }
}

/** `ValidatePodSpec` (the parts rks enforces) at `path` (`spec` or `spec.template.spec`). */
export function validatePodSpec(errs: FieldErrors, spec: unknown, path: FieldPath): void {
  if (!isRecord(spec)) {
    errs.required(path);
    return;
  }
  const volumes = validateVolumes(errs, spec.volumes, path.child("volumes"));
  if (list(spec.containers).length === 0) errs.required(path.child("containers"));
  const names = new Set<string>();
  validateContainerList(errs, spec.containers, path.child("containers"), names, volumes, false);
  validateContainerList(
    errs,
    spec.initContainers,
    path.child("initContainers"),
    names,
    volumes,
    true,
  );
  validateContainerList(
    errs,
    spec.ephemeralContainers,
    path.child("ephemeralContainers"),
    names,
    volumes,
    false,
  );
  validateHostPorts(errs, spec, path);
  oneOf(errs, path.child("restartPolicy"), spec.restartPolicy, RESTART_POLICIES);
  oneOf(errs, path.child("dnsPolicy"), spec.dnsPolicy, DNS_POLICIES);
  validateLabels(errs, spec.nodeSelector, path.child("nodeSelector"));
  for (const f of ["nodeName", "serviceAccountName"]) {
    const v = spec[f];
    if (typeof v === "string" && v !== "") {
      errs.invalidEach(path.child(f), v, dns1123SubdomainErrors(v));
    }
  }
  for (const f of ["hostname", "subdomain"]) {
    const v = spec[f];
    if (typeof v === "string" && v !== "") {
      errs.invalidEach(path.child(f), v, dns1123LabelErrors(v));
    }
  }
  const ads = spec.activeDeadlineSeconds;
  if (
    ads !== undefined && ads !== null && (typeof ads !== "number" || ads < 1 || ads > 2147483647)
  ) {
    errs.invalid(
      path.child("activeDeadlineSeconds"),
      ads,
      "must be between 1 and 2147483647, inclusive",
    );
  }
  if (spec.dnsPolicy === "None" && !isRecord(spec.dnsConfig)) {
    errs.required(path.child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None");
  }
  if (spec.hostNetwork === true) {
    for (const [i, c] of list(spec.containers).entries()) {
      if (!isRecord(c)) continue;
      for (const [j, p] of list(c.ports).entries()) {
        if (isRecord(p) && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
          errs.invalid(
            path.child("containers").index(i).child("ports").index(j).child("containerPort"),
            p.containerPort,
            "must match `hostPort` when `hostNetwork` is true",
          );
        }
      }
    }
  }
}

/** `ValidatePodTemplateSpec` for controllers (`spec.template`). */
export function validatePodTemplate(errs: FieldErrors, template: unknown, path: FieldPath): void {
  if (!isRecord(template)) {
    errs.required(path);
    return;
  }
  const meta = isRecord(template.metadata) ? template.metadata : {};
  validateLabels(errs, meta.labels, path.child("metadata", "labels"));
  validateAnnotations(errs, meta.annotations, path.child("metadata", "annotations"));
  validatePodSpec(errs, template.spec, path.child("spec"));
  const spec = isRecord(template.spec) ? template.spec : {};
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== "Always") {
    errs.notSupported(path.child("spec", "restartPolicy"), spec.restartPolicy, ["Always"]);
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.forbidden(
      path.child("spec", "activeDeadlineSeconds"),
      "activeDeadlineSeconds in ReplicaSet is not Supported",
    );
  }
}

const UPDATABLE_POD_SPEC_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isRecord(v)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
}

/**
 * `ValidatePodUpdate`: a pod's spec may only change container images, activeDeadlineSeconds,
 * additions to tolerations, terminationGracePeriodSeconds and removal of scheduling gates.
 */
export function validatePodSpecUpdate(errs: FieldErrors, spec: unknown, old: unknown): void {
  if (!isRecord(spec) || !isRecord(old)) return;
  const munged: Obj = cloneJson(spec);
  for (const f of ["containers", "initContainers"]) {
    const oldList = list(old[f]);
    const cur = munged[f];
    if (!Array.isArray(cur)) continue;
    cur.forEach((c, i) => {
      const o = oldList[i];
      if (isRecord(c) && isRecord(o)) c.image = o.image;
    });
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  const oldTol = list(old.tolerations);
  const newTol = list(spec.tolerations);
  if (oldTol.every((t) => newTol.some((n) => sameJson(t, n)))) munged.tolerations = old.tolerations;
  const oldGates = list(old.schedulingGates);
  const newGates = list(spec.schedulingGates);
  if (newGates.every((g) => oldGates.some((o) => sameJson(g, o)))) {
    munged.schedulingGates = old.schedulingGates;
  }
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  const oldClean: Obj = { ...old };
  for (const k of Object.keys(oldClean)) if (oldClean[k] === undefined) delete oldClean[k];
  if (sameJson(munged, oldClean)) return;
  const changed = [...new Set([...Object.keys(munged), ...Object.keys(oldClean)])]
    .filter((k) => !sameJson(munged[k], oldClean[k])).sort();
  errs.forbidden(
    new FieldPath("spec"),
    `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}\n` +
      `changed: ${changed.map((k) => `spec.${k}`).join(", ")}`,
  );
}
