/**
 * `resolvePodConfig`: what the kubelet reads from the API before it starts a pod's containers,
 * applied to an API Pod by a cluster node — pure, from the objects the node already holds:
 *
 * - **Environment** (`makeEnvironmentVariables` in `pkg/kubelet/kubelet_pods.go`): the service
 *   variables first (`./service_env.ts`; lowest priority), then each `envFrom` source
 *   (`configMapRef`/`secretRef`, `prefix`, `optional`; keys that are not valid variable names
 *   are skipped and reported with the event `InvalidEnvironmentVariableNames`), then `env`,
 *   whose `valueFrom.configMapKeyRef`, `secretKeyRef` and `resourceFieldRef` become values.
 *   Resolved values are written with `$` doubled so the later `$(VAR)` expansion leaves them as
 *   they are (the kubelet never expands them). `envFrom` is removed.
 * - **Volumes**: the files of each `configMap`, `secret`, `downwardAPI` and `projected` volume
 *   (items, key → path, `defaultMode`/`mode`, `optional`), as the volume plugins' `MakePayload`
 *   build them; a projected `serviceAccountToken` takes the token the node requested.
 *
 * A ConfigMap or Secret that is missing (and not optional) or lacks a key gives a
 * {@linkcode PodProblem} with the kubelet's words: `configmap "x" not found`,
 * `couldn't find key k in ConfigMap ns/x` (env: waiting reason `CreateContainerConfigError`;
 * volumes: `ContainerCreating` and a `FailedMount` event). An object the node has not heard
 * about yet, or a token not yet issued, makes the pod wait without a problem.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { envNameProblem } from "../../core/container/fields.ts";
import { parseExactQuantity } from "../../core/quantity.ts";
import { podFieldPaths, type ProjectedFile } from "../../core/pod/pod_types.ts";
import { serviceEnvVars } from "./service_env.ts";
import type { PodProblem } from "./cluster_pod_manifest.ts";

/** A JSON object as the API serves it. */
export type JsonObject = Record<string, unknown>;

/** A ConfigMap or Secret collection. */
export type ConfigKind = "configmaps" | "secrets";

/** What the node knows that a pod's configuration is resolved from. */
export interface ConfigSources {
  /**
   * A ConfigMap or Secret of the pod's namespace: the object, `null` when it does not exist,
   * `undefined` while the node does not know yet.
   */
  object(kind: ConfigKind, namespace: string, name: string): JsonObject | null | undefined;
  /**
   * Every Service (for the service environment variables); `undefined` until the node listed
   * them (pods wait, as the kubelet's `getServiceEnvVarMap` refuses before its informer synced).
   */
  services: readonly unknown[] | undefined;
  /** The node's `status.allocatable` (limits that are not set resolve to it). */
  allocatable: Readonly<Record<string, string>>;
  /** The node's address (`status.hostIP`). */
  hostIP?: string;
  /**
   * A projected service account token for this pod (`audience` `""` = the API's default),
   * or `undefined` while it is being requested.
   */
  token?(serviceAccount: string, audience: string, expirationSeconds: number): string | undefined;
}

/** An event the kubelet records while resolving (e.g. `InvalidEnvironmentVariableNames`). */
export interface ConfigEvent {
  /** Event reason. */
  reason: string;
  /** Message. */
  message: string;
}

/** The outcome of {@linkcode resolvePodConfig}. */
export type ConfigResolution =
  | {
    /** The pod with env resolved into values and `envFrom` removed. */
    pod: JsonObject;
    /** The files of each API volume, by volume name. */
    volumes: Map<string, ProjectedFile[]>;
    /** Warning events to record. */
    events: ConfigEvent[];
  }
  | { problem: PodProblem }
  | { waiting: string };

class Missing extends Error {
  constructor(readonly problem: PodProblem) {
    super(problem.message);
  }
}

class Pending extends Error {}

const KIND_WORD = { configmaps: "configmap", secrets: "secret" } as const;
const KIND_TITLE = { configmaps: "ConfigMap", secrets: "Secret" } as const;

function records(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function utf8Base64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64Utf8(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

/** The keys of a ConfigMap or Secret as base64 (`data` and a ConfigMap's `binaryData`). */
function keysOf(kind: ConfigKind, obj: JsonObject, withBinary: boolean): Map<string, string> {
  const out = new Map<string, string>();
  const data = isRecord(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string") continue;
    out.set(k, kind === "secrets" ? v : utf8Base64(v));
  }
  if (kind === "configmaps" && withBinary && isRecord(obj.binaryData)) {
    for (const [k, v] of Object.entries(obj.binaryData)) if (typeof v === "string") out.set(k, v);
  }
  return out;
}

/** `$` doubled: the value survives `$(VAR)` expansion unchanged. */
function literal(value: string): string {
  // A function: in a replacement string "$$" would itself mean one "$".
  return value.replaceAll("$", () => "$$");
}

function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den > 0n ? q + 1n : q;
}

/**
 * The value of a `resourceFieldRef` for container `c` as the kubelet computes it
 * (`ExtractContainerResourceValue`): `limits.*` falls back to the node's allocatable when not
 * set, CPU is counted in millicores and memory in bytes, divided by `divisor` (default 1)
 * and rounded up.
 *
 * @example
 * ```ts
 * import { resourceFieldValue } from "./pod_config_resolve.ts";
 * import assert from "node:assert/strict";
 * const c = { resources: { limits: { cpu: "250m", memory: "64Mi" } } };
 * assert.equal(resourceFieldValue(c, "limits.cpu", undefined, {}), "1");
 * assert.equal(resourceFieldValue(c, "limits.cpu", "1m", {}), "250");
 * assert.equal(resourceFieldValue(c, "limits.memory", "1Mi", {}), "64");
 * assert.equal(resourceFieldValue({}, "limits.memory", undefined, { memory: "1Ki" }), "1024");
 * assert.equal(resourceFieldValue({}, "requests.cpu", undefined, { cpu: "2" }), "0");
 * ```
 */
export function resourceFieldValue(
  c: JsonObject,
  resource: string,
  divisor: string | number | undefined,
  allocatable: Readonly<Record<string, string>>,
): string {
  const dot = resource.indexOf(".");
  const group = resource.slice(0, dot);
  const name = resource.slice(dot + 1);
  if ((group !== "limits" && group !== "requests") || name === "") {
    throw new TypeError(`unsupported resource "${resource}"`);
  }
  const res = isRecord(c.resources) ? c.resources : {};
  const set = isRecord(res[group]) ? res[group] as JsonObject : {};
  let q = set[name];
  if ((q === undefined || q === "" || q === "0") && group === "limits") q = allocatable[name];
  const value = parseExactQuantity(typeof q === "string" || typeof q === "number" ? q : "0");
  const div = parseExactQuantity(divisor === undefined || divisor === "" ? "1" : divisor);
  if (div.num <= 0n) throw new TypeError(`divisor "${divisor}" must be positive`);
  // CPU in millicores (Quantity.MilliValue), everything else in units (Value); both round up.
  const scale = name === "cpu" ? 1000n : 1n;
  const v = ceilDiv(value.num * scale, value.den);
  const d = ceilDiv(div.num * scale, div.den);
  return String(ceilDiv(v, d));
}

/** Go's `%q` for the strings a label or annotation holds (JSON's quoting, close enough). */
function formatMap(m: JsonObject): string {
  return Object.keys(m).sort().map((k) => `${k}=${JSON.stringify(String(m[k]))}`).join("\n");
}

/** The value of a downward API `fieldRef` (volumes and env), or undefined if unknown. */
function podFieldValue(
  pod: JsonObject,
  path: string,
  hostIP: string | undefined,
): string | undefined {
  const meta = isRecord(pod.metadata) ? pod.metadata : {};
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const status = isRecord(pod.status) ? pod.status : {};
  const labels = isRecord(meta.labels) ? meta.labels : {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) {
    const m = sub[1] === "labels" ? labels : annotations;
    return typeof m[sub[2]!] === "string" ? m[sub[2]!] as string : "";
  }
  switch (path) {
    case "metadata.name":
      return String(meta.name ?? "");
    case "metadata.namespace":
      return typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
    case "metadata.uid":
      return String(meta.uid ?? "");
    case "metadata.labels":
      return formatMap(labels);
    case "metadata.annotations":
      return formatMap(annotations);
    case "spec.nodeName":
      return String(spec.nodeName ?? "");
    case "spec.serviceAccountName":
      return String(spec.serviceAccountName ?? "");
    case "status.hostIP":
      return hostIP ?? String(status.hostIP ?? "");
    case "status.hostIPs":
      return hostIP ?? "";
  }
  return undefined;
}

/** Resolves pods against `sources` (see the module doc). */
class Resolver {
  readonly #pod: JsonObject;
  readonly #src: ConfigSources;
  readonly #ns: string;
  readonly #cache = new Map<string, JsonObject | null>();

  constructor(pod: JsonObject, src: ConfigSources) {
    this.#pod = pod;
    this.#src = src;
    const meta = isRecord(pod.metadata) ? pod.metadata : {};
    this.#ns = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
  }

  get namespace(): string {
    return this.#ns;
  }

  /** The object, or null when it does not exist; throws Pending while unknown. */
  #get(kind: ConfigKind, name: string): JsonObject | null {
    const key = `${kind}/${name}`;
    if (this.#cache.has(key)) return this.#cache.get(key)!;
    const obj = this.#src.object(kind, this.#ns, name);
    if (obj === undefined) throw new Pending(`waiting for ${KIND_WORD[kind]} "${name}"`);
    this.#cache.set(key, obj);
    return obj;
  }

  /** The object, or undefined when missing and optional; throws Missing when required. */
  object(
    kind: ConfigKind,
    name: string,
    optional: boolean,
    mount?: string,
  ): JsonObject | undefined {
    const obj = this.#get(kind, name);
    if (obj) return obj;
    if (optional) return undefined;
    throw new Missing(this.#problem(`${KIND_WORD[kind]} "${name}" not found`, mount));
  }

  #problem(message: string, mount: string | undefined): PodProblem {
    if (mount === undefined) return { reason: "CreateContainerConfigError", message };
    return {
      reason: "ContainerCreating",
      message: `MountVolume.SetUp failed for volume "${mount}" : ${message}`,
      event: {
        reason: "FailedMount",
        message: `MountVolume.SetUp failed for volume "${mount}" : ${message}`,
      },
    };
  }

  /** One container's environment (see the module doc). */
  env(
    c: JsonObject,
    services: { name: string; value: string }[],
    events: ConfigEvent[],
  ): JsonObject[] {
    const out: JsonObject[] = services.map((e) => ({ name: e.name, value: literal(e.value) }));
    for (const from of records(c.envFrom)) {
      const prefix = typeof from.prefix === "string" ? from.prefix : "";
      for (const kind of ["configmaps", "secrets"] as const) {
        const ref = from[kind === "configmaps" ? "configMapRef" : "secretRef"];
        if (!isRecord(ref)) continue;
        const name = String(ref.name ?? "");
        const obj = this.object(kind, name, ref.optional === true);
        if (!obj) continue;
        const invalid: string[] = [];
        const data = keysOf(kind, obj, false);
        for (const [k, b64] of [...data].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
          const key = prefix + k;
          if (envNameProblem(key) !== undefined) {
            invalid.push(key);
            continue;
          }
          out.push({ name: key, value: literal(base64Utf8(b64)) });
        }
        if (invalid.length > 0) {
          events.push({
            reason: "InvalidEnvironmentVariableNames",
            message: `Keys [${invalid.sort().join(", ")}] from the EnvFrom ${
              kind === "configmaps" ? "configMap" : "secret"
            } ${this.#ns}/${name} were skipped since they are considered invalid environment variable names.`,
          });
        }
      }
    }
    for (const e of records(c.env)) {
      const vf = isRecord(e.valueFrom) ? e.valueFrom : undefined;
      if (!vf) {
        out.push(e);
        continue;
      }
      const name = String(e.name);
      for (const kind of ["configmaps", "secrets"] as const) {
        const ref = vf[kind === "configmaps" ? "configMapKeyRef" : "secretKeyRef"];
        if (!isRecord(ref)) continue;
        const objName = String(ref.name ?? "");
        const key = String(ref.key ?? "");
        const optional = ref.optional === true;
        const obj = this.object(kind, objName, optional);
        const b64 = obj ? keysOf(kind, obj, false).get(key) : undefined;
        if (b64 === undefined) {
          if (optional) break;
          throw new Missing(this.#problem(
            `couldn't find key ${key} in ${KIND_TITLE[kind]} ${this.#ns}/${objName}`,
            undefined,
          ));
        }
        out.push({ name, value: literal(base64Utf8(b64)) });
      }
      if (isRecord(vf.resourceFieldRef)) {
        const r = vf.resourceFieldRef;
        out.push({ name, value: this.#resourceValue(c, r) });
      } else if (isRecord(vf.fieldRef)) {
        const path = String(vf.fieldRef.fieldPath ?? "");
        // Fields rkl resolves itself once the sandbox runs (status.podIP) stay references.
        const value = (podFieldPaths as readonly string[]).includes(path)
          ? undefined
          : podFieldValue(this.#pod, path, this.#src.hostIP);
        out.push(value === undefined ? e : { name, value: literal(value) });
      }
    }
    return out;
  }

  #container(name: unknown): JsonObject {
    const spec = isRecord(this.#pod.spec) ? this.#pod.spec : {};
    const all = [...records(spec.initContainers), ...records(spec.containers)];
    return all.find((c) => c.name === name) ?? {};
  }

  #resourceValue(c: JsonObject, r: JsonObject): string {
    const target = text(r.containerName) ? this.#container(r.containerName) : c;
    const divisor = typeof r.divisor === "string" || typeof r.divisor === "number"
      ? r.divisor
      : undefined;
    return resourceFieldValue(target, String(r.resource ?? ""), divisor, this.#src.allocatable);
  }

  /** Files of a configMap or secret source (`MakePayload`). */
  #keyFiles(
    kind: ConfigKind,
    src: JsonObject,
    nameKey: string,
    defaultMode: number,
    mount: string,
  ): ProjectedFile[] {
    const name = String(src[nameKey] ?? "");
    const optional = src.optional === true;
    const obj = this.object(kind, name, optional, mount);
    if (!obj) return [];
    const data = keysOf(kind, obj, true);
    const items = records(src.items);
    if (items.length === 0) {
      return [...data].map(([path, d]) => ({ path, data: d, mode: defaultMode }));
    }
    const out: ProjectedFile[] = [];
    for (const it of items) {
      const key = String(it.key ?? "");
      const d = data.get(key);
      if (d === undefined) {
        if (optional) continue;
        // The volume plugins' words (`MakePayload` of configmap and secret).
        throw new Missing(this.#problem(
          kind === "configmaps"
            ? `configmap references non-existent config key: ${key}`
            : `references non-existent secret key: ${key}`,
          mount,
        ));
      }
      out.push({
        path: String(it.path ?? key),
        data: d,
        mode: typeof it.mode === "number" ? it.mode : defaultMode,
      });
    }
    return out;
  }

  #downwardFiles(items: JsonObject[], defaultMode: number): ProjectedFile[] {
    return items.map((it) => {
      let value = "";
      if (isRecord(it.fieldRef)) {
        value = podFieldValue(this.#pod, String(it.fieldRef.fieldPath ?? ""), this.#src.hostIP) ??
          "";
      } else if (isRecord(it.resourceFieldRef)) {
        value = this.#resourceValue(this.#container(it.resourceFieldRef.containerName), {
          ...it.resourceFieldRef,
          containerName: "",
        });
      }
      return {
        path: String(it.path ?? ""),
        data: utf8Base64(value),
        mode: typeof it.mode === "number" ? it.mode : defaultMode,
      };
    });
  }

  /** The files of volume `v`, or undefined when it is not an API volume. */
  volume(v: JsonObject): ProjectedFile[] | undefined {
    const mount = String(v.name);
    const modeOf = (o: JsonObject) => typeof o.defaultMode === "number" ? o.defaultMode : 0o644;
    if (isRecord(v.configMap)) {
      return this.#keyFiles("configmaps", v.configMap, "name", modeOf(v.configMap), mount);
    }
    if (isRecord(v.secret)) {
      return this.#keyFiles("secrets", v.secret, "secretName", modeOf(v.secret), mount);
    }
    if (isRecord(v.downwardAPI)) {
      return this.#downwardFiles(records(v.downwardAPI.items), modeOf(v.downwardAPI));
    }
    if (!isRecord(v.projected)) return undefined;
    const mode = modeOf(v.projected);
    const spec = isRecord(this.#pod.spec) ? this.#pod.spec : {};
    return records(v.projected.sources).flatMap((s): ProjectedFile[] => {
      if (isRecord(s.configMap)) {
        return this.#keyFiles("configmaps", s.configMap, "name", mode, mount);
      }
      if (isRecord(s.secret)) return this.#keyFiles("secrets", s.secret, "name", mode, mount);
      if (isRecord(s.downwardAPI)) return this.#downwardFiles(records(s.downwardAPI.items), mode);
      if (isRecord(s.serviceAccountToken)) {
        const t = s.serviceAccountToken;
        const sa = text(spec.serviceAccountName) ?? "default";
        const expiry = typeof t.expirationSeconds === "number" ? t.expirationSeconds : 3600;
        const token = this.#src.token?.(
          sa,
          typeof t.audience === "string" ? t.audience : "",
          expiry,
        );
        if (token === undefined) {
          throw new Pending(`waiting for a token of service account "${sa}"`);
        }
        return [{ path: String(t.path ?? "token"), data: utf8Base64(token), mode }];
      }
      return [];
    });
  }
}

/**
 * Resolves the environment and API volumes of `pod` (an API Pod object) against `sources`;
 * see the module doc. With `volumesOnly` the environment is left as it is (a running pod's
 * volume sync).
 *
 * @example
 * ```ts
 * import { resolvePodConfig } from "./pod_config_resolve.ts";
 * import assert from "node:assert/strict";
 * const cm = { metadata: { name: "cfg" }, data: { MODE: "fast", "bad name=": "x" } };
 * const sources = {
 *   object: (kind: string, _ns: string, name: string) => kind === "configmaps" && name === "cfg" ? cm : null,
 *   services: [], allocatable: {},
 * };
 * const pod = { metadata: { name: "p", namespace: "ns" }, spec: {
 *   containers: [{ name: "a", envFrom: [{ configMapRef: { name: "cfg" } }],
 *     env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "MODE" } } }] }],
 *   volumes: [{ name: "v", configMap: { name: "cfg", items: [{ key: "MODE", path: "mode.txt" }] } }] } };
 * const r = resolvePodConfig(pod, sources);
 * assert.ok("pod" in r);
 * const c = (r.pod.spec as { containers: { env: unknown[] }[] }).containers[0]!;
 * assert.deepEqual(c.env, [{ name: "MODE", value: "fast" }, { name: "X", value: "fast" }]);
 * assert.equal(r.events[0]!.reason, "InvalidEnvironmentVariableNames");
 * assert.equal(atob(r.volumes.get("v")![0]!.data), "fast");
 * const missing = resolvePodConfig(pod, { ...sources, object: () => null });
 * assert.deepEqual(missing, { problem: { reason: "CreateContainerConfigError", message: 'configmap "cfg" not found' } });
 * ```
 */
export function resolvePodConfig(
  pod: JsonObject,
  sources: ConfigSources,
  opts: { volumesOnly?: boolean } = {},
): ConfigResolution {
  const r = new Resolver(pod, sources);
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const events: ConfigEvent[] = [];
  try {
    const volumes = new Map<string, ProjectedFile[]>();
    for (const v of records(spec.volumes)) {
      const files = r.volume(v);
      if (files !== undefined) volumes.set(String(v.name), files);
    }
    if (opts.volumesOnly) return { pod, volumes, events };
    if (sources.services === undefined) {
      return { waiting: "services have not yet been read at least once, cannot construct envvars" };
    }
    const services = serviceEnvVars(
      sources.services,
      r.namespace,
      spec.enableServiceLinks !== false,
    );
    const outSpec: JsonObject = { ...spec };
    for (const field of ["initContainers", "containers"]) {
      if (!Array.isArray(spec[field])) continue;
      outSpec[field] = (spec[field] as unknown[]).map((c) => {
        if (!isRecord(c)) return c;
        const { envFrom: _envFrom, env: _env, ...rest } = c;
        const env = r.env(c, services, events);
        return env.length > 0 ? { ...rest, env } : rest;
      });
    }
    return { pod: { ...pod, spec: outSpec }, volumes, events };
  } catch (e) {
    if (e instanceof Missing) return { problem: e.problem };
    if (e instanceof Pending) return { waiting: e.message };
    // A value the kubelet could not compute either (a bad quantity or resource name).
    if (e instanceof Error) {
      return { problem: { reason: "CreateContainerConfigError", message: e.message } };
    }
    throw e;
  }
}
