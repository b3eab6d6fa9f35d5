/**
 * `decodeProtobufObject`: reads a request body in Kubernetes' protobuf encoding
 * (`application/vnd.kubernetes.protobuf`: the magic `k8s\0`, then a `runtime.Unknown` whose
 * `raw` is the object's message), which kubectl's typed commands (`create namespace`,
 * `create deployment`, `create configmap`, ...) send, into the object's JSON form. The
 * messages come from the upstream `generated.proto` files of Kubernetes 1.32 (k8s.io/api and
 * k8s.io/apimachinery v0.32.9, comments stripped) in `proto/`, read with `npm:protobufjs`.
 *
 * @module
 */
import protobuf from "protobufjs";
import { ApiError } from "./api_error.ts";

/** The protobuf media type. */
export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

const files = [
  "k8s.io/apimachinery/pkg/runtime/generated.proto",
  "k8s.io/api/core/v1/generated.proto",
  "k8s.io/api/apps/v1/generated.proto",
  "k8s.io/api/coordination/v1/generated.proto",
  "k8s.io/api/discovery/v1/generated.proto",
  "k8s.io/api/events/v1/generated.proto",
  "k8s.io/api/scheduling/v1/generated.proto",
];

let rootPromise: Promise<protobuf.Root> | undefined;

const objectMeta = ".k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/**
 * The messages of `authentication.k8s.io/v1` clients send (`kubectl create token`: a
 * TokenRequest; `kubectl auth whoami`: a SelfSubjectReview; webhooks: a TokenReview), with the
 * field numbers of
 * k8s.io/api/authentication/v1 (1.32); JSON names as the API's (`uid`, not the proto's `uID`).
 */
const authenticationV1 = {
  BoundObjectReference: {
    fields: {
      kind: { type: "string", id: 1 },
      apiVersion: { type: "string", id: 2 },
      name: { type: "string", id: 3 },
      uid: { type: "string", id: 4 },
    },
  },
  TokenRequestSpec: {
    fields: {
      audiences: { rule: "repeated", type: "string", id: 1 },
      boundObjectRef: { type: "BoundObjectReference", id: 3 },
      expirationSeconds: { type: "int64", id: 4 },
    },
  },
  TokenRequestStatus: {
    fields: {
      token: { type: "string", id: 1 },
      expirationTimestamp: { type: ".k8s.io.apimachinery.pkg.apis.meta.v1.Time", id: 2 },
    },
  },
  TokenRequest: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      spec: { type: "TokenRequestSpec", id: 2 },
      status: { type: "TokenRequestStatus", id: 3 },
    },
  },
  ExtraValue: { fields: { items: { rule: "repeated", type: "string", id: 1 } } },
  UserInfo: {
    fields: {
      username: { type: "string", id: 1 },
      uid: { type: "string", id: 2 },
      groups: { rule: "repeated", type: "string", id: 3 },
      extra: { keyType: "string", type: "ExtraValue", id: 4 },
    },
  },
  TokenReviewSpec: {
    fields: {
      token: { type: "string", id: 1 },
      audiences: { rule: "repeated", type: "string", id: 2 },
    },
  },
  TokenReviewStatus: {
    fields: {
      authenticated: { type: "bool", id: 1 },
      user: { type: "UserInfo", id: 2 },
      error: { type: "string", id: 3 },
      audiences: { rule: "repeated", type: "string", id: 4 },
    },
  },
  TokenReview: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      spec: { type: "TokenReviewSpec", id: 2 },
      status: { type: "TokenReviewStatus", id: 3 },
    },
  },
  SelfSubjectReviewStatus: { fields: { userInfo: { type: "UserInfo", id: 1 } } },
  SelfSubjectReview: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      status: { type: "SelfSubjectReviewStatus", id: 2 },
    },
  },
};

/**
 * `policy/v1` (and the identical `v1beta1`) `Eviction`, which `kubectl drain` posts to
 * `pods/{name}/eviction`, with the field numbers of k8s.io/api/policy/v1 (1.32).
 */
const policyEviction = {
  Eviction: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      deleteOptions: { type: ".k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions", id: 2 },
    },
  },
};

/**
 * The `authorization.k8s.io/v1` self reviews `kubectl auth can-i` sends, with the field
 * numbers of k8s.io/api/authorization/v1 (1.32).
 */
const authorizationV1 = {
  FieldSelectorAttributes: {
    fields: {
      rawSelector: { type: "string", id: 1 },
      requirements: {
        rule: "repeated",
        type: ".k8s.io.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement",
        id: 2,
      },
    },
  },
  LabelSelectorAttributes: {
    fields: {
      rawSelector: { type: "string", id: 1 },
      requirements: {
        rule: "repeated",
        type: ".k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        id: 2,
      },
    },
  },
  ResourceAttributes: {
    fields: {
      namespace: { type: "string", id: 1 },
      verb: { type: "string", id: 2 },
      group: { type: "string", id: 3 },
      version: { type: "string", id: 4 },
      resource: { type: "string", id: 5 },
      subresource: { type: "string", id: 6 },
      name: { type: "string", id: 7 },
      fieldSelector: { type: "FieldSelectorAttributes", id: 8 },
      labelSelector: { type: "LabelSelectorAttributes", id: 9 },
    },
  },
  NonResourceAttributes: {
    fields: { path: { type: "string", id: 1 }, verb: { type: "string", id: 2 } },
  },
  SelfSubjectAccessReviewSpec: {
    fields: {
      resourceAttributes: { type: "ResourceAttributes", id: 1 },
      nonResourceAttributes: { type: "NonResourceAttributes", id: 2 },
    },
  },
  SubjectAccessReviewStatus: {
    fields: {
      allowed: { type: "bool", id: 1 },
      reason: { type: "string", id: 2 },
      evaluationError: { type: "string", id: 3 },
      denied: { type: "bool", id: 4 },
    },
  },
  SelfSubjectAccessReview: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      spec: { type: "SelfSubjectAccessReviewSpec", id: 2 },
      status: { type: "SubjectAccessReviewStatus", id: 3 },
    },
  },
  SelfSubjectRulesReviewSpec: { fields: { namespace: { type: "string", id: 1 } } },
  ResourceRule: {
    fields: {
      verbs: { rule: "repeated", type: "string", id: 1 },
      apiGroups: { rule: "repeated", type: "string", id: 2 },
      resources: { rule: "repeated", type: "string", id: 3 },
      resourceNames: { rule: "repeated", type: "string", id: 4 },
    },
  },
  NonResourceRule: {
    fields: {
      verbs: { rule: "repeated", type: "string", id: 1 },
      nonResourceURLs: { rule: "repeated", type: "string", id: 2 },
    },
  },
  SubjectRulesReviewStatus: {
    fields: {
      resourceRules: { rule: "repeated", type: "ResourceRule", id: 1 },
      nonResourceRules: { rule: "repeated", type: "NonResourceRule", id: 2 },
      incomplete: { type: "bool", id: 3 },
      evaluationError: { type: "string", id: 4 },
    },
  },
  SelfSubjectRulesReview: {
    fields: {
      metadata: { type: objectMeta, id: 1 },
      spec: { type: "SelfSubjectRulesReviewSpec", id: 2 },
      status: { type: "SubjectRulesReviewStatus", id: 3 },
    },
  },
};

async function loadRoot(): Promise<protobuf.Root> {
  const root = new protobuf.Root();
  const seen = new Set<string>();
  const load = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await Deno.readTextFile(new URL(`./proto/${file}`, import.meta.url));
    const parsed = protobuf.parse(text, root, { keepCase: true });
    for (const dep of parsed.imports ?? []) await load(dep);
  };
  for (const f of files) await load(f);
  root.define("k8s.io.api.authentication.v1").addJSON(authenticationV1);
  root.define("k8s.io.api.authorization.v1").addJSON(authorizationV1);
  root.define("k8s.io.api.policy.v1").addJSON(policyEviction);
  root.define("k8s.io.api.policy.v1beta1").addJSON(policyEviction);
  root.resolveAll();
  return root;
}

const groupPackages: Record<string, string> = {
  "": "core",
  "authentication.k8s.io": "authentication",
  apps: "apps",
  "coordination.k8s.io": "coordination",
  "discovery.k8s.io": "discovery",
  "events.k8s.io": "events",
  "scheduling.k8s.io": "scheduling",
  policy: "policy",
  "authorization.k8s.io": "authorization",
};

const meta = "k8s.io.apimachinery.pkg.apis.meta.v1";

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const d = new Date(seconds * 1000);
  const base = d.toISOString().replace(/\.\d+Z$/, "");
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${base}Z`;
}

/**
 * Scalar fields kept when they hold a zero value. Go's protobuf encoder writes every
 * non-pointer field, zero or not, while Kubernetes' JSON omits zero `omitempty` fields: zeros
 * are dropped, except for these pointer fields, which are only on the wire when set.
 */
const keepZero = new Set([
  "replicas",
  "runAsUser",
  "runAsGroup",
  "fsGroup",
  "terminationGracePeriodSeconds",
  "gracePeriodSeconds",
  "revisionHistoryLimit",
  "defaultMode",
  "mode",
  "priority",
  "allowPrivilegeEscalation",
  "automountServiceAccountToken",
  "enableServiceLinks",
  "immutable",
  "optional",
  "runAsNonRoot",
  "readOnlyRootFilesystem",
  "privileged",
  "holderIdentity",
  "leaseDurationSeconds",
  "leaseTransitions",
  "orphanDependents",
]);

/**
 * Go structs embedded with `json:",inline"` that are protobuf fields of their own: the proto
 * message nests them under this field, the JSON form spreads their fields into the parent
 * (k8s.io/api/core/v1 types.go, 1.32: `Volume.VolumeSource`, `Probe.ProbeHandler`,
 * `EphemeralContainer.EphemeralContainerCommon`, `PersistentVolumeSpec.PersistentVolumeSource`,
 * and the `LocalObjectReference` (`name`) of the ConfigMap/Secret volume, projection, env and
 * key-selector sources; apps/v1, coordination/v1, discovery/v1, events/v1, scheduling/v1 and the authentication and
 * authorization messages have none). Keyed by the parent message's name, value the proto field.
 */
const inlineFields: Record<string, string> = {
  "k8s.io.api.core.v1.Volume": "volumeSource",
  "k8s.io.api.core.v1.Probe": "handler",
  "k8s.io.api.core.v1.EphemeralContainer": "ephemeralContainerCommon",
  "k8s.io.api.core.v1.PersistentVolumeSpec": "persistentVolumeSource",
  ...Object.fromEntries(
    [
      "ConfigMapVolumeSource",
      "ConfigMapProjection",
      "ConfigMapEnvSource",
      "ConfigMapKeySelector",
      "SecretProjection",
      "SecretEnvSource",
      "SecretKeySelector",
    ].map((m) => [`k8s.io.api.core.v1.${m}`, "localObjectReference"]),
  ),
};

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

/** Turns protobufjs' plain object of `type` into the Kubernetes JSON form. */
function toJson(type: protobuf.Type, value: Record<string, unknown>): unknown {
  switch (type.fullName.slice(1)) {
    case `${meta}.Time`:
    case `${meta}.MicroTime`: {
      const seconds = Number(value.seconds ?? 0);
      const nanos = Number(value.nanos ?? 0);
      if (seconds === 0 && nanos === 0) return undefined;
      return rfc3339(seconds, nanos, type.name === "MicroTime");
    }
    case "k8s.io.apimachinery.pkg.api.resource.Quantity":
      return value.string ?? "0";
    case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
      return Number(value.type ?? 0) === 1 ? String(value.strVal ?? "") : Number(value.intVal ?? 0);
    case "k8s.io.apimachinery.pkg.runtime.RawExtension":
      return value.raw ? JSON.parse(atob(String(value.raw))) : {};
    case `${meta}.FieldsV1`:
      return value.Raw ? JSON.parse(atob(String(value.Raw))) : {};
    case `${meta}.Duration`:
      return `${Number(value.duration ?? 0) / 1e9}s`;
  }
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const field = type.fields[name];
    const rt = field?.resolvedType;
    if (!field || !(rt instanceof protobuf.Type)) {
      if (field && !field.repeated && !field.map && isZero(v) && !keepZero.has(name)) continue;
      out[name] = v;
      continue;
    }
    const conv = (x: unknown) => toJson(rt, x as Record<string, unknown>);
    if (inlineFields[type.fullName.slice(1)] === name) {
      Object.assign(out, conv(v));
      continue;
    }
    if (field.map) {
      out[name] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, conv(x)]),
      );
    } else if (field.repeated) out[name] = (v as unknown[]).map(conv);
    else {
      const x = conv(v);
      if (x !== undefined) out[name] = x;
    }
  }
  return out;
}

/**
 * Decodes a protobuf request body for the resource of `group`/`version`/`kind` into its JSON
 * form. Throws 400 BadRequest for a body that is not Kubernetes protobuf, 415 for a kind rks
 * has no message for.
 *
 * @example
 * ```ts
 * import { decodeProtobufObject, encodeProtobufObject } from "./protobuf_body.ts";
 * import assert from "node:assert/strict";
 * const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { a: "b" } } };
 * const body = await encodeProtobufObject("", "v1", "Namespace", ns);
 * assert.deepEqual(await decodeProtobufObject(body, "", "v1", "Namespace"), ns);
 * ```
 */
export async function decodeProtobufObject(
  body: Uint8Array,
  group: string,
  version: string,
  kind: string,
): Promise<Record<string, unknown>> {
  rootPromise ??= loadRoot();
  const root = await rootPromise;
  if (
    body.length < 4 || body[0] !== 0x6b || body[1] !== 0x38 || body[2] !== 0x73 || body[3] !== 0
  ) {
    throw ApiError.badRequest("provided protobuf data does not begin with the Kubernetes prefix");
  }
  const unknownType = root.lookupType("k8s.io.apimachinery.pkg.runtime.Unknown");
  let unknown: Record<string, unknown>;
  try {
    unknown = unknownType.toObject(unknownType.decode(body.subarray(4)), { bytes: Uint8Array });
  } catch (e) {
    throw ApiError.badRequest(
      `unable to decode protobuf body: ${e instanceof Error ? e.message : e}`,
    );
  }
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const pkg = groupPackages[group];
  const wantKind = typeMeta.kind || kind;
  // A DELETE body (`DeleteOptions`) is a meta.k8s.io message, whatever the resource's group.
  const t = wantKind === "DeleteOptions"
    ? root.lookup(`${meta}.DeleteOptions`)
    : pkg
    ? root.lookup(`k8s.io.api.${pkg}.${version}.${wantKind}`)
    : null;
  if (!(t instanceof protobuf.Type)) {
    throw ApiError.unsupportedMediaType(PROTOBUF_MEDIA_TYPE, [
      "application/json",
      "application/yaml",
    ]);
  }
  let obj: Record<string, unknown>;
  try {
    obj = t.toObject(t.decode((unknown.raw as Uint8Array | undefined) ?? new Uint8Array()), {
      longs: Number,
      bytes: String,
      enums: String,
      defaults: false,
    });
  } catch (e) {
    throw ApiError.badRequest(
      `unable to decode protobuf body: ${e instanceof Error ? e.message : e}`,
    );
  }
  const json = toJson(t, obj) as Record<string, unknown>;
  // PriorityClass.value has no omitempty: a zero value is on the wire and in the JSON.
  if (wantKind === "PriorityClass" && json.value === undefined) json.value = 0;
  return {
    apiVersion: typeMeta.apiVersion || (group ? `${group}/${version}` : version),
    kind: wantKind,
    ...json,
  };
}

function fromJson(type: protobuf.Type, value: unknown): unknown {
  switch (type.fullName.slice(1)) {
    case `${meta}.Time`:
    case `${meta}.MicroTime`: {
      const ms = Date.parse(String(value));
      return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
    }
    case "k8s.io.apimachinery.pkg.api.resource.Quantity":
      return { string: String(value) };
    case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
      return typeof value === "number" ? { type: 0, intVal: value } : { type: 1, strVal: value };
  }
  const out: Record<string, unknown> = {};
  const inline = inlineFields[type.fullName.slice(1)];
  const inlineType = inline ? type.fields[inline]?.resolvedType : undefined;
  if (inline && inlineType instanceof protobuf.Type) {
    // The embedded struct's fields sit beside the parent's in JSON (see inlineFields).
    const own: Record<string, unknown> = {};
    const embedded: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      (type.fields[name] ? own : embedded)[name] = v;
    }
    value = { ...own, [inline]: embedded };
  }
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[name];
    const rt = field?.resolvedType;
    if (!field) continue;
    if (!(rt instanceof protobuf.Type)) {
      out[name] = v;
      continue;
    }
    const conv = (x: unknown) => fromJson(rt, x);
    if (field.map) {
      out[name] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, conv(x)]),
      );
    } else if (field.repeated) out[name] = (v as unknown[]).map(conv);
    else out[name] = conv(v);
  }
  return out;
}

/** Encodes an object as Kubernetes protobuf (what kubectl sends; for tests). */
export async function encodeProtobufObject(
  group: string,
  version: string,
  kind: string,
  obj: Record<string, unknown>,
): Promise<Uint8Array> {
  rootPromise ??= loadRoot();
  const root = await rootPromise;
  const t = root.lookupType(
    kind === "DeleteOptions"
      ? `${meta}.DeleteOptions`
      : `k8s.io.api.${groupPackages[group]}.${version}.${kind}`,
  );
  const { apiVersion, kind: _k, ...rest } = obj;
  const raw = t.encode(t.fromObject(fromJson(t, rest) as Record<string, unknown>)).finish();
  const unknownType = root.lookupType("k8s.io.apimachinery.pkg.runtime.Unknown");
  const msg = unknownType.encode(unknownType.fromObject({
    typeMeta: { apiVersion, kind },
    raw,
    contentEncoding: "",
    contentType: "",
  })).finish();
  const out = new Uint8Array(msg.length + 4);
  out.set([0x6b, 0x38, 0x73, 0], 0);
  out.set(msg, 4);
  return out;
}
