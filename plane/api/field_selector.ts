/**
 * Kubernetes field selectors (`?fieldSelector=`): `field=value`, `field==value`,
 * `field!=value` joined by `,`, with `\,` `\=` `\\` escapes in values, the fields
 * kube-apiserver supports for each served resource, and matching against stored objects.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/,
 * the field label conversion functions of `pkg/apis/core/v1/conversion.go`,
 * `pkg/apis/apps/v1/conversion.go` and `pkg/apis/events/v1/conversion.go`, and the
 * `GetAttrs`/`ToSelectableFields` functions of each resource's registry strategy.
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { SelectorError } from "./label_selector.ts";

/** One `field<op>value` term of a field selector; `value` is unescaped. */
export interface FieldRequirement {
  /** The field label as the server stores it (e.g. `spec.nodeName`, `involvedObject.name`). */
  field: string;
  /** `=` and `==` are the same test; `!=` negates it. */
  operator: "=" | "==" | "!=";
  /** The value to compare with, after unescaping. */
  value: string;
}

const META_NAMESPACED = ["metadata.name", "metadata.namespace"];

const EVENT_FIELDS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
  ...META_NAMESPACED,
];

/** Supported field labels per resource (plural) of the core and apps groups. */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  pods: [
    ...META_NAMESPACED,
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
  ],
  nodes: ["metadata.name", "spec.unschedulable"],
  namespaces: ["metadata.name", "status.phase"],
  events: EVENT_FIELDS,
  secrets: [...META_NAMESPACED, "type"],
  services: [...META_NAMESPACED, "spec.clusterIP", "spec.type"],
  replicationcontrollers: [...META_NAMESPACED, "status.replicas"],
  replicasets: [...META_NAMESPACED, "status.replicas"],
};

/** Old spellings the server rewrites (`spec.host` from old v1 clients). */
const ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  pods: { "spec.host": "spec.nodeName" },
};

/** events.k8s.io/v1 names for the core Event field labels. */
const EVENTS_V1_ALIASES: Readonly<Record<string, string>> = {
  "regarding.kind": "involvedObject.kind",
  "regarding.namespace": "involvedObject.namespace",
  "regarding.name": "involvedObject.name",
  "regarding.uid": "involvedObject.uid",
  "regarding.apiVersion": "involvedObject.apiVersion",
  "regarding.resourceVersion": "involvedObject.resourceVersion",
  "regarding.fieldPath": "involvedObject.fieldPath",
  "reportingController": "reportingComponent",
  "reason": "reason",
  "type": "type",
  "metadata.namespace": "metadata.namespace",
  "metadata.name": "metadata.name",
};

/**
 * The field labels kube-apiserver accepts for a resource (plural name; `group` `""` for the
 * core group). Resources without their own list accept `metadata.name` and
 * `metadata.namespace`.
 *
 * @example
 * ```ts
 * import { supportedFieldLabels } from "./field_selector.ts";
 * import assert from "node:assert/strict";
 * assert.ok(supportedFieldLabels("pods").includes("spec.nodeName"));
 * assert.deepEqual(supportedFieldLabels("configmaps"), ["metadata.name", "metadata.namespace"]);
 * ```
 */
export function supportedFieldLabels(resource: string, group = ""): readonly string[] {
  if (group === "events.k8s.io" && resource === "events") return Object.keys(EVENTS_V1_ALIASES);
  return FIELDS[resource] ?? META_NAMESPACED;
}

/** Splits on `,` that are not escaped by `\` (apimachinery `splitTerms`). */
function splitTerms(s: string): string[] {
  if (s === "") return [];
  const out: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const TERM_OPERATORS = ["!=", "==", "="] as const;

function splitTerm(term: string): [string, FieldRequirement["operator"], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of TERM_OPERATORS) {
      if (rest.startsWith(op)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** apimachinery `fields.UnescapeValue`, with its messages. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c;
      else throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    else if (c === "," || c === "=") {
      // Go prints the rune with %v, i.e. its code point.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw new Error("invalid field selector: invalid escape sequence: \\");
  return out;
}

/**
 * Parses a field selector for `resource` (plural, e.g. `pods`; `group` is the API group, `""`
 * for core, needed for `events.k8s.io` events whose labels are `regarding.*` and
 * `reportingController`). Labels are converted to the names the server matches
 * ({@linkcode matchesFieldSelector}): `spec.host` → `spec.nodeName`, `regarding.name` →
 * `involvedObject.name`. The result is sorted by term text, as apimachinery sorts it.
 *
 * @throws {SelectorError} (400 BadRequest) with kube-apiserver's message:
 *   `field label not supported: spec.foo` for a field the resource does not support,
 *   `invalid selector: 'a'; can't understand 'a'` for a term without an operator,
 *   `invalid field selector: invalid escape sequence: \x` for a bad escape.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/
 *
 * @example
 * ```ts
 * import { parseFieldSelector } from "./field_selector.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFieldSelector("spec.nodeName=n1,status.phase!=Failed", "pods"), [
 *   { field: "spec.nodeName", operator: "=", value: "n1" },
 *   { field: "status.phase", operator: "!=", value: "Failed" },
 * ]);
 * assert.throws(() => parseFieldSelector("spec.image=x", "pods"), /field label not supported: spec.image/);
 * ```
 */
export function parseFieldSelector(text: string, resource: string, group = ""): FieldRequirement[] {
  const parts = splitTerms(text).sort();
  const out: FieldRequirement[] = [];
  const supported = supportedFieldLabels(resource, group);
  const aliases = group === "events.k8s.io" && resource === "events"
    ? EVENTS_V1_ALIASES
    : ALIASES[resource] ?? {};
  for (const part of parts) {
    if (part === "") continue;
    const split = splitTerm(part);
    if (split === undefined) {
      throw new SelectorError(text, `invalid selector: '${text}'; can't understand '${part}'`);
    }
    const [lhs, operator, rhs] = split;
    let value: string;
    try {
      value = unescapeValue(rhs);
    } catch (e) {
      throw new SelectorError(text, (e as Error).message);
    }
    const aliased = aliases[lhs];
    if (aliased === undefined && !supported.includes(lhs)) {
      throw new SelectorError(text, `field label not supported: ${lhs}`);
    }
    out.push({ field: aliased ?? lhs, operator, value });
  }
  return out;
}

function at(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function str(v: unknown, zero = ""): string {
  if (v === undefined || v === null) return zero;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * The value of a field label on a stored object, as the registry's `GetAttrs` computes it:
 * booleans are `"true"`/`"false"` with `false` for absent (`spec.hostNetwork`,
 * `spec.unschedulable`), integers are decimal with `0` for absent (`status.replicas`), the
 * pod's `status.podIP` is its first `status.podIPs` entry, an Event's `source` is
 * `source.component`; Events stored in the events.k8s.io shape (`regarding`,
 * `reportingController`, `deprecatedSource`) give the same values.
 *
 * @example
 * ```ts
 * import { fieldValue } from "./field_selector.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fieldValue({ spec: {} }, "spec.hostNetwork"), "false");
 * assert.equal(fieldValue({ regarding: { name: "web" } }, "involvedObject.name"), "web");
 * ```
 */
export function fieldValue(obj: Readonly<Record<string, unknown>>, field: string): string {
  switch (field) {
    case "spec.hostNetwork":
    case "spec.unschedulable":
      return str(at(obj, field.split(".")), "false");
    case "status.replicas":
      return str(at(obj, ["status", "replicas"]), "0");
    case "status.podIP": {
      const ips = at(obj, ["status", "podIPs"]);
      const first = Array.isArray(ips) ? at(ips[0], ["ip"]) : undefined;
      return str(first ?? at(obj, ["status", "podIP"]));
    }
    case "status.podIPs": {
      const ips = at(obj, ["status", "podIPs"]);
      return Array.isArray(ips) ? ips.map((i) => str(at(i, ["ip"]))).join(",") : "";
    }
    case "source":
      return str(at(obj, ["source", "component"]) ?? at(obj, ["deprecatedSource", "component"]));
    case "reportingComponent":
      return str(obj.reportingComponent ?? obj.reportingController);
  }
  if (field.startsWith("involvedObject.")) {
    const sub = field.slice("involvedObject.".length);
    return str(at(obj, ["involvedObject", sub]) ?? at(obj, ["regarding", sub]));
  }
  return str(at(obj, field.split(".")));
}

/**
 * True when `obj` satisfies every requirement (an empty list matches everything): `=`/`==`
 * compare {@linkcode fieldValue} with the value, `!=` negates.
 *
 * @example
 * ```ts
 * import { matchesFieldSelector, parseFieldSelector } from "./field_selector.ts";
 * import assert from "node:assert/strict";
 * const reqs = parseFieldSelector("spec.nodeName=n1", "pods");
 * assert.equal(matchesFieldSelector(reqs, { spec: { nodeName: "n1" } }), true);
 * assert.equal(matchesFieldSelector(reqs, { spec: {} }), false);
 * ```
 */
export function matchesFieldSelector(
  reqs: readonly FieldRequirement[],
  obj: Readonly<Record<string, unknown>>,
): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator !== "!="));
}
