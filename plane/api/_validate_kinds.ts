/**
 * Spec checks of the served kinds other than Pod, as kube-apiserver words them
 * (`pkg/apis/apps/validation`, `pkg/apis/core/validation`, `pkg/apis/coordination/validation`,
 * `pkg/apis/discovery/validation`).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type FieldErrors, FieldPath } from "./_field_errors.ts";
import {
  byteLength,
  dns1123LabelErrors,
  labelValueErrors,
  maxLenError,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
  regexError,
} from "./_name_rules.ts";
import { validateLabels } from "./_validate_meta.ts";
import { validatePodTemplate } from "./_validate_pod.ts";
import { labelSelectorFromObject, matchesLabelSelector } from "./label_selector.ts";
import {
  HIGHEST_USER_DEFINABLE_PRIORITY,
  PREEMPTION_POLICIES,
  SYSTEM_PRIORITY_CLASS_PREFIX,
  unknownSystemClass,
} from "./priority_classes.ts";

type Obj = Record<string, unknown>;
const SPEC = new FieldPath("spec");

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function rec(v: unknown): Obj {
  return isRecord(v) ? v : {};
}

function nonNegative(errs: FieldErrors, path: FieldPath, v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isInteger(v)) errs.invalid(path, v, "must be an integer");
  else if (v < 0) errs.invalid(path, v, "must be greater than or equal to 0");
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const PERCENT_RE = /^[0-9]+%$/;

/** An IntOrString that is a non-negative int or a percentage (`25%`). */
function intOrPercent(errs: FieldErrors, path: FieldPath, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") {
    nonNegative(errs, path, v);
    return v;
  }
  if (typeof v === "string") {
    if (!PERCENT_RE.test(v)) {
      errs.invalid(
        path,
        v,
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          "[0-9]+%",
          "1%",
          "93%",
        ),
      );
      return undefined;
    }
    const n = Number(v.slice(0, -1));
    return n;
  }
  errs.invalid(path, v, "must be an integer or percentage (e.g '5%')");
  return undefined;
}

/** `ValidateLabelSelector`: field errors of a `metav1.LabelSelector` at `path`. */
function validateLabelSelector(errs: FieldErrors, sel: Obj, path: FieldPath): void {
  validateLabels(errs, sel.matchLabels, path.child("matchLabels"));
  list(sel.matchExpressions).forEach((e, i) => {
    const ep = path.child("matchExpressions").index(i);
    const expr = rec(e);
    const values = list(expr.values);
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) {
          errs.required(ep.child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
        }
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          errs.forbidden(
            ep.child("values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          );
        }
        break;
      default:
        errs.invalid(ep.child("operator"), expr.operator ?? "", "not a valid selector operator");
    }
    const key = typeof expr.key === "string" ? expr.key : "";
    errs.invalidEach(ep.child("key"), key, qualifiedNameErrors(key));
    values.forEach((v, j) => {
      errs.invalidEach(ep.child("values").index(j), v, labelValueErrors(String(v)));
    });
  });
}

/** Selector checks shared by Deployment and ReplicaSet. */
function validateSelectorAndTemplate(
  errs: FieldErrors,
  spec: Obj,
  emptyMessage: string | undefined,
): void {
  const selPath = SPEC.child("selector");
  if (spec.selector === undefined || spec.selector === null) {
    errs.required(selPath);
  } else if (!isRecord(spec.selector)) {
    errs.invalid(selPath, spec.selector, "must be a label selector object");
  } else {
    const before = errs.list.length;
    validateLabelSelector(errs, spec.selector, selPath);
    if (errs.list.length === before) {
      const reqs = labelSelectorFromObject(spec.selector);
      if (reqs.length === 0) {
        if (emptyMessage !== undefined) errs.invalid(selPath, spec.selector, emptyMessage);
        else errs.required(selPath);
      } else {
        const labels = rec(rec(rec(spec.template).metadata).labels) as Record<string, string>;
        if (!matchesLabelSelector(reqs, labels)) {
          errs.invalid(
            SPEC.child("template", "metadata", "labels"),
            labels,
            "`selector` does not match template `labels`",
          );
        }
      }
    }
  }
  validatePodTemplate(errs, spec.template, SPEC.child("template"));
}

/** Deployment (apps/v1). */
export function validateDeployment(errs: FieldErrors, obj: Obj, old: Obj | undefined): void {
  const spec = rec(obj.spec);
  nonNegative(errs, SPEC.child("replicas"), spec.replicas);
  nonNegative(errs, SPEC.child("minReadySeconds"), spec.minReadySeconds);
  nonNegative(errs, SPEC.child("revisionHistoryLimit"), spec.revisionHistoryLimit);
  validateSelectorAndTemplate(errs, spec, "empty selector is invalid for deployment");
  const strategy = rec(spec.strategy);
  const sp = SPEC.child("strategy");
  if (strategy.type !== undefined) {
    if (strategy.type !== "Recreate" && strategy.type !== "RollingUpdate") {
      errs.notSupported(sp.child("type"), strategy.type, ["Recreate", "RollingUpdate"]);
    }
  }
  if (strategy.type === "Recreate" && strategy.rollingUpdate !== undefined) {
    errs.forbidden(
      sp.child("rollingUpdate"),
      "may not be specified when strategy `type` is 'Recreate'",
    );
  }
  if (isRecord(strategy.rollingUpdate)) {
    const ru = strategy.rollingUpdate;
    const rp = sp.child("rollingUpdate");
    const surge = intOrPercent(errs, rp.child("maxSurge"), ru.maxSurge);
    const unavail = intOrPercent(errs, rp.child("maxUnavailable"), ru.maxUnavailable);
    if (typeof ru.maxUnavailable === "string" && (unavail ?? 0) > 100) {
      errs.invalid(rp.child("maxUnavailable"), ru.maxUnavailable, "must not be greater than 100%");
    }
    if (surge === 0 && unavail === 0) {
      errs.invalid(
        rp.child("maxUnavailable"),
        ru.maxUnavailable,
        "may not be 0 when `maxSurge` is 0",
      );
    }
  }
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === "number") {
    nonNegative(errs, SPEC.child("progressDeadlineSeconds"), pds);
    if (pds <= Number(spec.minReadySeconds ?? 0)) {
      errs.invalid(
        SPEC.child("progressDeadlineSeconds"),
        pds,
        "must be greater than minReadySeconds",
      );
    }
  }
  if (old !== undefined && !sameJson(rec(old.spec).selector, spec.selector)) {
    errs.invalid(SPEC.child("selector"), spec.selector, "field is immutable");
  }
}

/** ReplicaSet (apps/v1). */
export function validateReplicaSet(errs: FieldErrors, obj: Obj, old: Obj | undefined): void {
  const spec = rec(obj.spec);
  nonNegative(errs, SPEC.child("replicas"), spec.replicas);
  nonNegative(errs, SPEC.child("minReadySeconds"), spec.minReadySeconds);
  validateSelectorAndTemplate(errs, spec, undefined);
  if (old !== undefined && !sameJson(rec(old.spec).selector, spec.selector)) {
    errs.invalid(SPEC.child("selector"), spec.selector, "field is immutable");
  }
}

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];

/** Service (core/v1). */
export function validateService(errs: FieldErrors, obj: Obj, old: Obj | undefined): void {
  const spec = rec(obj.spec);
  const type = spec.type ?? "ClusterIP";
  if (!SERVICE_TYPES.includes(String(type))) {
    errs.notSupported(SPEC.child("type"), type, SERVICE_TYPES);
  }
  if (type === "ExternalName") {
    if (typeof spec.externalName !== "string" || spec.externalName === "") {
      errs.required(SPEC.child("externalName"));
    }
  }
  const ports = list(spec.ports);
  if (ports.length === 0 && type !== "ExternalName" && spec.clusterIP !== "None") {
    errs.required(SPEC.child("ports"));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const pp = SPEC.child("ports").index(i);
    if (!isRecord(p)) {
      errs.invalid(pp, p, "must be an object");
      return;
    }
    if (typeof p.name !== "string" || p.name === "") {
      if (ports.length > 1) errs.required(pp.child("name"));
    } else {
      // Service port names are DNS-1123 labels (ValidateService), not IANA service names:
      // kubectl create service names them "80-8080".
      errs.invalidEach(pp.child("name"), p.name, dns1123LabelErrors(p.name));
      if (names.has(p.name)) errs.duplicate(pp.child("name"), p.name);
      names.add(p.name);
    }
    errs.invalidEach(pp.child("port"), p.port, portNumErrors(Number(p.port)));
    if (p.protocol !== undefined && !PROTOCOLS.includes(String(p.protocol))) {
      errs.notSupported(pp.child("protocol"), p.protocol, PROTOCOLS);
    }
    const tp = p.targetPort;
    if (typeof tp === "number") errs.invalidEach(pp.child("targetPort"), tp, portNumErrors(tp));
    else if (typeof tp === "string") {
      errs.invalidEach(pp.child("targetPort"), tp, portNameErrors(tp));
    }
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== "NodePort" && type !== "LoadBalancer") {
        errs.forbidden(pp.child("nodePort"), "may not be used when `type` is 'ClusterIP'");
      } else errs.invalidEach(pp.child("nodePort"), p.nodePort, portNumErrors(Number(p.nodePort)));
    }
    const key = `${p.port}/${p.protocol ?? "TCP"}`;
    if (keys.has(key)) errs.duplicate(pp, { port: p.port, protocol: p.protocol ?? "TCP" });
    keys.add(key);
  });
  if (
    spec.sessionAffinity !== undefined &&
    !["ClientIP", "None"].includes(String(spec.sessionAffinity))
  ) {
    errs.notSupported(SPEC.child("sessionAffinity"), spec.sessionAffinity, ["ClientIP", "None"]);
  }
  if (type !== "ExternalName") validateLabels(errs, spec.selector, SPEC.child("selector"));
  if (old !== undefined) {
    const oldIP = rec(old.spec).clusterIP;
    if (
      typeof oldIP === "string" && oldIP !== "" && spec.clusterIP !== oldIP &&
      type !== "ExternalName"
    ) {
      errs.invalid(SPEC.child("clusterIP"), spec.clusterIP ?? "", "field is immutable");
    }
  }
}

const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** `IsConfigMapKey`: keys of ConfigMap/Secret data and of key selectors. */
export function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY_RE.test(key)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        "[-._a-zA-Z0-9]+",
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    );
  }
  if (key === ".") errs.push("must not be '.'");
  else if (key === "..") errs.push("must not be '..'");
  else if (key.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

/** The limit on a ConfigMap's or Secret's data (1 MiB). */
export const MAX_DATA_SIZE = 1024 * 1024;

function base64Size(v: unknown): number {
  if (typeof v !== "string") return 0;
  return Math.floor((v.replace(/=+$/, "").length * 3) / 4);
}

function immutableData(errs: FieldErrors, obj: Obj, old: Obj | undefined, fields: string[]): void {
  if (old === undefined || old.immutable !== true) return;
  if (obj.immutable !== true) {
    errs.forbidden(new FieldPath("immutable"), "field is immutable when `immutable` is set");
  }
  for (const f of fields) {
    if (!sameJson(obj[f] ?? {}, old[f] ?? {})) {
      errs.forbidden(new FieldPath(f), "field is immutable when `immutable` is set");
    }
  }
}

/** ConfigMap (core/v1): keys, 1 MiB total, immutable. */
export function validateConfigMap(errs: FieldErrors, obj: Obj, old: Obj | undefined): void {
  let total = 0;
  const data = rec(obj.data);
  for (const k of Object.keys(data).sort()) {
    errs.invalidEach(new FieldPath("data").key(k), k, configKeyErrors(k));
    total += byteLength(String(data[k] ?? ""));
  }
  const bin = rec(obj.binaryData);
  for (const k of Object.keys(bin).sort()) {
    errs.invalidEach(new FieldPath("binaryData").key(k), k, configKeyErrors(k));
    if (Object.hasOwn(data, k)) {
      errs.invalid(new FieldPath("binaryData").key(k), k, "duplicate of key present in data");
    }
    total += base64Size(bin[k]);
  }
  if (total > MAX_DATA_SIZE) errs.tooLong(new FieldPath(""), MAX_DATA_SIZE);
  immutableData(errs, obj, old, ["data", "binaryData"]);
}

/** Secret (core/v1): keys, 1 MiB total, type-specific keys, immutable type and data. */
export function validateSecret(errs: FieldErrors, obj: Obj, old: Obj | undefined): void {
  const dataPath = new FieldPath("data");
  const data = rec(obj.data);
  const stringData = rec(obj.stringData);
  let total = 0;
  for (const k of Object.keys(data).sort()) {
    errs.invalidEach(dataPath.key(k), k, configKeyErrors(k));
    total += base64Size(data[k]);
  }
  for (const k of Object.keys(stringData).sort()) {
    errs.invalidEach(new FieldPath("stringData").key(k), k, configKeyErrors(k));
    total += byteLength(String(stringData[k] ?? ""));
  }
  if (total > MAX_DATA_SIZE) errs.tooLong(dataPath, MAX_DATA_SIZE);
  const has = (k: string) => Object.hasOwn(data, k) || Object.hasOwn(stringData, k);
  switch (obj.type) {
    case "kubernetes.io/tls":
      if (!has("tls.crt")) errs.required(dataPath.key("tls.crt"));
      if (!has("tls.key")) errs.required(dataPath.key("tls.key"));
      break;
    case "kubernetes.io/dockerconfigjson":
      if (!has(".dockerconfigjson")) errs.required(dataPath.key(".dockerconfigjson"));
      break;
    case "kubernetes.io/dockercfg":
      if (!has(".dockercfg")) errs.required(dataPath.key(".dockercfg"));
      break;
    case "kubernetes.io/basic-auth":
      if (!has("username") && !has("password")) {
        errs.required(dataPath.key("username"));
        errs.required(dataPath.key("password"));
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!has("ssh-privatekey")) errs.required(dataPath.key("ssh-privatekey"));
      break;
    case "kubernetes.io/service-account-token": {
      const ann = rec(rec(obj.metadata).annotations);
      if (typeof ann["kubernetes.io/service-account.name"] !== "string") {
        errs.required(
          new FieldPath("metadata").child("annotations").key("kubernetes.io/service-account.name"),
        );
      }
      break;
    }
  }
  if (old !== undefined && (old.type ?? "Opaque") !== (obj.type ?? "Opaque")) {
    errs.invalid(new FieldPath("type"), obj.type ?? "", "field is immutable");
  }
  immutableData(errs, obj, old, ["data"]);
}

/**
 * PriorityClass (scheduling.k8s.io/v1), as `ValidatePriorityClass` / `ValidatePriorityClassUpdate`:
 * a `system-` name must be one of the system classes with its value; other classes at most
 * 1,000,000,000; `preemptionPolicy` `Never` or `PreemptLowerPriority`; `value` and
 * `preemptionPolicy` immutable.
 */
export function validatePriorityClass(errs: FieldErrors, obj: Obj, old?: Obj): void {
  const name = String(rec(obj.metadata).name ?? "");
  const value = obj.value;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    errs.required(new FieldPath("value"));
  } else if (value < -2147483648 || value > 2147483647) {
    errs.invalid(new FieldPath("value"), value, "must be a 32-bit integer");
  }
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = unknownSystemClass(name, value, obj.globalDefault);
    if (why !== undefined) {
      errs.forbidden(
        new FieldPath("metadata").child("name"),
        `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`,
      );
    }
  } else if (typeof value === "number" && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.forbidden(
      new FieldPath("value"),
      `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
    );
  }
  const policy = obj.preemptionPolicy;
  if (policy !== undefined && !PREEMPTION_POLICIES.includes(String(policy))) {
    errs.notSupported(new FieldPath("preemptionPolicy"), policy, PREEMPTION_POLICIES);
  }
  if (old === undefined) return;
  if (old.value !== value) {
    errs.forbidden(new FieldPath("value"), "may not be changed in an update.");
  }
  if (old.preemptionPolicy !== policy) {
    errs.invalid(new FieldPath("preemptionPolicy"), policy ?? null, "field is immutable");
  }
}

/** Lease (coordination.k8s.io/v1). */
export function validateLease(errs: FieldErrors, obj: Obj): void {
  const spec = rec(obj.spec);
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && d !== null && (typeof d !== "number" || d <= 0)) {
    errs.invalid(SPEC.child("leaseDurationSeconds"), d, "must be greater than 0");
  }
  nonNegative(errs, SPEC.child("leaseTransitions"), spec.leaseTransitions);
}

/** Event (core/v1 and events.k8s.io/v1): the involved object is in the event's namespace. */
export function validateEvent(errs: FieldErrors, obj: Obj): void {
  const ns = rec(obj.metadata).namespace;
  const involved = isRecord(obj.involvedObject) ? obj.involvedObject : rec(obj.regarding);
  const field = isRecord(obj.involvedObject) ? "involvedObject" : "regarding";
  const ins = involved.namespace;
  if (typeof ins === "string" && ins !== "" && ns !== undefined && ins !== ns) {
    errs.invalid(new FieldPath(field).child("namespace"), ins, "does not match event.namespace");
  }
}

/** Endpoints (core/v1): ports. */
export function validateEndpoints(errs: FieldErrors, obj: Obj): void {
  list(obj.subsets).forEach((s, i) => {
    list(rec(s).ports).forEach((p, j) => {
      const pp = new FieldPath("subsets").index(i).child("ports").index(j);
      const port = rec(p);
      errs.invalidEach(pp.child("port"), port.port, portNumErrors(Number(port.port)));
      if (port.protocol !== undefined && !PROTOCOLS.includes(String(port.protocol))) {
        errs.notSupported(pp.child("protocol"), port.protocol, PROTOCOLS);
      }
    });
  });
}

/** EndpointSlice (discovery.k8s.io/v1). */
export function validateEndpointSlice(errs: FieldErrors, obj: Obj): void {
  const types = ["FQDN", "IPv4", "IPv6"];
  if (obj.addressType === undefined || obj.addressType === "") {
    errs.required(new FieldPath("addressType"));
  } else if (!types.includes(String(obj.addressType))) {
    errs.notSupported(new FieldPath("addressType"), obj.addressType, types);
  }
  list(obj.endpoints).forEach((e, i) => {
    const addrs = list(rec(e).addresses);
    if (addrs.length === 0) {
      errs.required(
        new FieldPath("endpoints").index(i).child("addresses"),
        "must contain at least 1 address",
      );
    }
  });
}

/** Scale (autoscaling/v1, the `/scale` subresource). */
export function validateScale(errs: FieldErrors, obj: Obj): void {
  nonNegative(errs, SPEC.child("replicas"), rec(obj.spec).replicas);
}
