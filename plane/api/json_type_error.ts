/**
 * The type check kube-apiserver's decoding does: a request body is unmarshalled into the
 * kind's Go struct, so a value of the wrong JSON type (`command: "sleep 3600"` where the field
 * is `[]string`, `replicas: "3"`, a label value `1.1`) fails the request with `400 BadRequest`
 * before anything is stored. This walk follows the kind's OpenAPI schema (the documents
 * `/openapi/v3` serves) and reports the first such value in the words of Go's `encoding/json`
 * (as forked in `sigs.k8s.io/json`):
 * `json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string`.
 *
 * Rules, as the Go decoder applies them:
 * - `null` is accepted anywhere (an omitted pointer, slice or map; primitives ignore it).
 * - Unknown fields are not this walk's concern (see `unknown_fields.ts`); objects below
 *   `x-kubernetes-preserve-unknown-fields` (RawExtension, opaque parts) accept anything.
 * - A wrong type is remembered and decoding goes on; the first one is reported unless a
 *   custom unmarshaller fails later, which ends decoding at once with its own error:
 *   `Quantity` parses the value's text (a JSON number or string; `12XB` gives
 *   `quantities must match the regular expression …`), `IntOrString` takes a string or an
 *   int32, `Time`/`MicroTime` take a string.
 * - `[]byte` fields (Secret `data`, ConfigMap `binaryData`) take standard base64 with padding:
 *   `illegal base64 data at input byte 8`.
 * - Integers must be integral and fit their `int32`/`int64` (`number 1.5`, `number 3000000000`).
 *   The literal is printed as JavaScript prints the parsed number (Go prints the request's
 *   text, e.g. `1.50`); an integral number written `1.0` or `1e3` is accepted here (Go
 *   rejects it) because `JSON.parse` keeps no literal.
 * - The Go type names of fields typed with a named Go type (enums such as `v1.Protocol`,
 *   `v1.ResourceList`) come from a table of the common ones; other enum fields are called
 *   `string`.
 *
 * Source: https://github.com/kubernetes-sigs/json (decode.go, `UnmarshalTypeError`),
 * apimachinery's `resource.Quantity.UnmarshalJSON`, `intstr.IntOrString.UnmarshalJSON`,
 * `metav1.Time.UnmarshalJSON` (behaviour rewritten here, not copied).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type FieldSchema, fieldSchema } from "./openapi/field_schema.ts";
import { quantitySyntaxError } from "./_quantity_syntax.ts";
import { base64ErrorOffset } from "./_base64_syntax.ts";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
const MICRO_TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";

/** Go types of fields declared with a named type (`<Struct>.<field>`), as `Type.String()` prints them. */
const NAMED_FIELD_TYPES: Readonly<Record<string, string>> = {
  "Container.imagePullPolicy": "v1.PullPolicy",
  "Container.terminationMessagePolicy": "v1.TerminationMessagePolicy",
  "EphemeralContainer.imagePullPolicy": "v1.PullPolicy",
  "EphemeralContainer.terminationMessagePolicy": "v1.TerminationMessagePolicy",
  "PodSpec.dnsPolicy": "v1.DNSPolicy",
  "PodSpec.restartPolicy": "v1.RestartPolicy",
  "PodSpec.preemptionPolicy": "v1.PreemptionPolicy",
  "ContainerPort.protocol": "v1.Protocol",
  "ServicePort.protocol": "v1.Protocol",
  "EndpointPort.protocol": "v1.Protocol",
  "HTTPGetAction.scheme": "v1.URIScheme",
  "Lifecycle.stopSignal": "v1.Signal",
  "SeccompProfile.type": "v1.SeccompProfileType",
  "AppArmorProfile.type": "v1.AppArmorProfileType",
  "Toleration.effect": "v1.TaintEffect",
  "Toleration.operator": "v1.TolerationOperator",
  "Taint.effect": "v1.TaintEffect",
  "TopologySpreadConstraint.whenUnsatisfiable": "v1.UnsatisfiableConstraintAction",
  "HostPathVolumeSource.type": "v1.HostPathType",
  "ImageVolumeSource.pullPolicy": "v1.PullPolicy",
  "PodStatus.phase": "v1.PodPhase",
  "PodStatus.qosClass": "v1.PodQOSClass",
  "NamespaceStatus.phase": "v1.NamespacePhase",
  "ServiceSpec.externalTrafficPolicy": "v1.ServiceExternalTrafficPolicy",
  "ServiceSpec.internalTrafficPolicy": "v1.ServiceInternalTrafficPolicy",
  "ServiceSpec.ipFamilyPolicy": "v1.IPFamilyPolicy",
  "ServiceSpec.sessionAffinity": "v1.ServiceAffinity",
  "ServiceSpec.type": "v1.ServiceType",
  "Secret.type": "v1.SecretType",
  "DeploymentStrategy.type": "v1.DeploymentStrategyType",
  "EndpointSlice.addressType": "v1.AddressType",
  "NodeSelectorRequirement.operator": "v1.NodeSelectorOperator",
};

/**
 * A request body value whose JSON type does not fit its field (kube-apiserver: `400
 * BadRequest`). `message` is Go's text; `field` is Go's dotted field path without list
 * indexes (`spec.containers.command`, `""` for errors Go reports without one), `path` the
 * same with indexes and map keys (`spec.containers[0].command`).
 *
 * @example
 * ```ts
 * import { JsonTypeError } from "./json_type_error.ts";
 * import assert from "node:assert/strict";
 * const e = new JsonTypeError("json: cannot unmarshal string into Go value of type int32", "", "spec.x");
 * assert.ok(e instanceof TypeError);
 * assert.equal(e.path, "spec.x");
 * ```
 */
export class JsonTypeError extends TypeError {
  /** Go's field path (`spec.containers.command`), `""` when Go names none. */
  readonly field: string;
  /** The value's path with list indexes and map keys (`spec.containers[0].command`). */
  readonly path: string;
  /** Builds the error. */
  constructor(message: string, field: string, path: string) {
    super(message);
    this.name = "JsonTypeError";
    this.field = field;
    this.path = path;
  }
}

function shortName(schemaName: string): string {
  return schemaName.slice(schemaName.lastIndexOf(".") + 1);
}

/** `v1.Container` from `io.k8s.api.core.v1.Container`, `resource.Quantity`, … */
function goNamed(schemaName: string): string {
  const parts = schemaName.split(".");
  return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
}

function goType(s: FieldSchema, struct: string, field: string): string {
  const named = NAMED_FIELD_TYPES[`${struct}.${field}`];
  if (named !== undefined) return named;
  if (s.typeName !== undefined) return goNamed(s.typeName);
  return inlineGoType(s);
}

function inlineGoType(s: FieldSchema): string {
  switch (s.type) {
    case "array":
      return `[]${s.items ? elemGoType(s.items) : "interface {}"}`;
    case "object":
      if (s.additionalProperties !== undefined) {
        if (s.additionalProperties.typeName === QUANTITY) return "v1.ResourceList";
        return `map[string]${elemGoType(s.additionalProperties)}`;
      }
      return "map[string]interface {}";
    case "integer":
      return s.format === "int64" ? "int64" : "int32";
    case "boolean":
      return "bool";
    case "number":
      return "float64";
    default:
      return s.format === "byte" ? "[]uint8" : "string";
  }
}

function elemGoType(s: FieldSchema): string {
  return s.typeName !== undefined ? goNamed(s.typeName) : inlineGoType(s);
}

/** The JSON kind Go names in `cannot unmarshal <kind>`. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  return "object";
}

/** The walk: Go's decoding context (struct, field stack) and the value's path. */
class Walk {
  /** The first remembered type error. */
  saved: JsonTypeError | undefined;
  /** Go's field stack (struct fields only) and the innermost struct's name. */
  readonly stack: string[] = [];
  struct = "";
  /** The value's path: field names, list indexes and map keys (`[key]`). */
  readonly segments: (string | number)[] = [];

  path(): string {
    let out = "";
    for (const seg of this.segments) {
      if (typeof seg === "number") out += `[${seg}]`;
      else if (seg.startsWith("[")) out += seg;
      else out += out === "" ? seg : `.${seg}`;
    }
    return out;
  }

  fatal(message: string): JsonTypeError {
    return new JsonTypeError(message, "", this.path());
  }

  mismatch(value: string, s: FieldSchema, field: string | undefined): void {
    if (this.saved !== undefined) return;
    const type = field === undefined ? elemGoType(s) : goType(s, this.struct, field);
    const stack = this.stack.join(".");
    const text = this.struct !== "" || stack !== ""
      ? `json: cannot unmarshal ${value} into Go struct field ${this.struct}.${stack} of type ${type}`
      : `json: cannot unmarshal ${value} into Go value of type ${type}`;
    this.saved = new JsonTypeError(text, stack, this.path());
  }

  /**
   * Checks `v` against `s`; `field` names the struct field holding it (undefined for list
   * items and map values). Returns a fatal error (a custom unmarshaller's), which ends the walk.
   */
  value(v: unknown, s: FieldSchema, field: string | undefined): JsonTypeError | undefined {
    if (v === null || v === undefined || s.preserveUnknownFields === true) return undefined;
    switch (s.typeName) {
      case QUANTITY: {
        const err = quantitySyntaxError(typeof v === "string" ? v : JSON.stringify(v));
        return err === undefined ? undefined : this.fatal(err);
      }
      case TIME:
      case MICRO_TIME:
        return typeof v === "string"
          ? undefined
          : this.fatal(`json: cannot unmarshal ${jsonKind(v)} into Go value of type string`);
    }
    if (s.typeName === INT_OR_STRING || s.intOrString === true) {
      const bad = typeof v === "string" ? undefined : intValue(v, 32);
      return bad === undefined
        ? undefined
        : this.fatal(`json: cannot unmarshal ${bad} into Go value of type int32`);
    }
    switch (s.type) {
      case "object":
        if (isRecord(v)) return this.object(v, s);
        this.mismatch(jsonKind(v), s, field);
        return undefined;
      case "array":
        if (!Array.isArray(v)) this.mismatch(jsonKind(v), s, field);
        else if (s.items !== undefined) {
          const items = s.items;
          for (let i = 0; i < v.length; i++) {
            this.segments.push(i);
            const fatal = this.value(v[i], items, undefined);
            this.segments.pop();
            if (fatal !== undefined) return fatal;
          }
        }
        return undefined;
      case "string":
        if (typeof v !== "string") this.mismatch(jsonKind(v), s, field);
        else if (s.format === "byte" && this.saved === undefined) {
          // []byte: base64, whose error Go remembers without a field.
          const at = base64ErrorOffset(v);
          if (at !== undefined) this.saved = this.fatal(`illegal base64 data at input byte ${at}`);
        }
        return undefined;
      case "boolean":
        if (typeof v !== "boolean") this.mismatch(jsonKind(v), s, field);
        return undefined;
      case "integer": {
        const bad = intValue(v, s.format === "int64" ? 64 : 32);
        if (bad !== undefined) this.mismatch(bad, s, field);
        return undefined;
      }
      case "number":
        if (typeof v !== "number") this.mismatch(jsonKind(v), s, field);
        return undefined;
    }
    return undefined;
  }

  object(v: Record<string, unknown>, s: FieldSchema): JsonTypeError | undefined {
    const props = s.properties;
    if (props !== undefined) {
      const struct = s.typeName === undefined ? "" : shortName(s.typeName);
      const outer = this.struct;
      for (const k in v) {
        const child = Object.hasOwn(props, k) ? props[k] : undefined;
        const item = v[k];
        if (child === undefined || item === null) continue;
        this.stack.push(k);
        this.segments.push(k);
        this.struct = struct;
        const fatal = this.value(item, child, k);
        this.stack.pop();
        this.segments.pop();
        this.struct = outer;
        if (fatal !== undefined) return fatal;
      }
      return undefined;
    }
    const values = s.additionalProperties;
    if (values !== undefined) {
      for (const k in v) {
        this.segments.push(`[${k}]`);
        const fatal = this.value(v[k], values, undefined);
        this.segments.pop();
        if (fatal !== undefined) return fatal;
      }
    }
    return undefined;
  }
}

/** `undefined` when `v` fits a Go int of `bits`, else what Go calls it (`number 1.5`, `string`). */
function intValue(v: unknown, bits: 32 | 64): string | undefined {
  if (typeof v !== "number") return jsonKind(v);
  const limit = bits === 32 ? 2 ** 31 : 2 ** 63;
  if (Number.isInteger(v) && v >= -limit && v < limit) return undefined;
  return `number ${String(v)}`;
}

/**
 * The first value of `obj` whose JSON type does not fit its field in the API type of `kind`
 * (see the module doc for the rules), or `undefined`. `apiVersion` picks the group's type
 * when several groups serve the kind (`Event`); kinds rks does not publish are not checked.
 *
 * kube-apiserver answers a create or update whose body fails this with `400 BadRequest`,
 * message `<Kind> in version "<version>" cannot be handled as a <Kind>: <error>`.
 *
 * @example
 * ```ts
 * import { jsonTypeError } from "./json_type_error.ts";
 * import assert from "node:assert/strict";
 * const pod = {
 *   apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { tier: 1.1 } },
 *   spec: { containers: [{ name: "a", image: "busybox", command: "sleep 3600" }] },
 * };
 * assert.equal(
 *   jsonTypeError("Pod", pod)?.message,
 *   "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
 * );
 * delete (pod.metadata.labels as Record<string, unknown>).tier;
 * const e = jsonTypeError("Pod", pod)!;
 * assert.equal(e.message, "json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string");
 * assert.equal(e.path, "spec.containers[0].command");
 * assert.equal(jsonTypeError("Deployment", { spec: { replicas: 3 } }), undefined);
 * ```
 */
export function jsonTypeError(
  kind: string,
  obj: unknown,
  apiVersion?: string,
): JsonTypeError | undefined {
  const schema = (apiVersion === undefined ? undefined : fieldSchema(kind, apiVersion)) ??
    fieldSchema(kind);
  if (schema === undefined) return undefined;
  const walk = new Walk();
  return walk.value(obj, schema, undefined) ?? walk.saved;
}
