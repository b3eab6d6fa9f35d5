/**
 * Parsing of container probes (`startupProbe`, `livenessProbe`, `readinessProbe`) and lifecycle
 * hooks (`lifecycle.postStart`, `lifecycle.preStop`) of the `v1 Container` into their input form
 * (types in `pod_types.ts`): zero means unset, and the API server's validation rules apply
 * (`successThreshold` must be 1 for liveness and startup probes). The timing defaults are applied
 * afterwards, with the rest of the pod, by `defaultProbe` in `../k8s/defaults.ts`. Source:
 * kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe.
 *
 * @module
 */
import type { ManifestField } from "../manifest_reader.ts";
import type { LifecycleSpec, ProbeHandler, ProbeInput, ProbeName } from "./pod_types.ts";

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const HOOK_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"] as const;

function port(f: ManifestField): number | string {
  const v = f.value;
  if (typeof v === "number") return f.integer(1, 65535);
  const s = f.string();
  if (!/^[a-z0-9]([a-z0-9-]{0,13})$/.test(s) || !/[a-z]/.test(s)) {
    throw f.error(`expected a port number from 1 to 65535 or an IANA_SVC_NAME, got "${s}"`);
  }
  return s;
}

/**
 * Parses the one handler of a probe (`exec`, `httpGet`, `tcpSocket`, `grpc`) or of a
 * lifecycle hook (`exec`, `httpGet`, `sleep`, and the deprecated `tcpSocket`, which the kubelet
 * accepts but fails at run time).
 *
 * @example
 * ```ts
 * import { readManifest } from "../manifest_reader.ts";
 * import { parseHandler } from "./probe_spec.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("sleep: {seconds: 2}\n", "p.yaml");
 * assert.deepEqual(parseHandler(root, true), { kind: "sleep", seconds: 2 });
 * assert.throws(() => parseHandler(root), /one of exec, httpGet, tcpSocket or grpc is required/);
 * ```
 */
export function parseHandler(f: ManifestField, hook = false): ProbeHandler {
  const kinds: readonly string[] = hook ? HOOK_HANDLERS : HANDLERS;
  const present = kinds.filter((k) => f.has(k));
  if (present.length === 0) {
    throw f.error(
      `one of ${hook ? "exec, httpGet or sleep" : "exec, httpGet, tcpSocket or grpc"} is required`,
    );
  }
  if (present.length > 1) {
    throw f.error(`only one handler may be set, got ${present.join(" and ")}`);
  }
  const kind = present[0] as (typeof HANDLERS)[number] | (typeof HOOK_HANDLERS)[number];
  const h = f.get(kind).object();
  if (kind === "grpc") {
    h.known(["port", "service"]);
    if (!h.has("port")) throw h.get("port").error("required field is missing");
    const out: ProbeHandler = { kind, port: h.get("port").integer(1, 65535) };
    const service = h.optionalString("service");
    if (service) out.service = service;
    return out;
  }
  if (kind === "sleep") {
    h.known(["seconds"]);
    if (!h.has("seconds")) throw h.get("seconds").error("required field is missing");
    return { kind, seconds: h.get("seconds").integer(0, 2_147_483_647) };
  }
  if (kind === "exec") {
    h.known(["command"]);
    const command = h.stringArray("command") ?? [];
    if (command.length === 0) throw h.get("command").error("a command is required");
    return { kind, command };
  }
  if (kind === "tcpSocket") {
    h.known(["port", "host"]);
    if (!h.has("port")) throw h.get("port").error("required field is missing");
    const out: ProbeHandler = { kind, port: port(h.get("port")) };
    const host = h.optionalString("host");
    if (host) out.host = host;
    return out;
  }
  h.known(["path", "port", "host", "scheme", "httpHeaders"]);
  if (!h.has("port")) throw h.get("port").error("required field is missing");
  const scheme = h.optionalString("scheme") || "HTTP";
  if (scheme !== "HTTP" && scheme !== "HTTPS") {
    throw h.get("scheme").error(`expected HTTP or HTTPS, got "${scheme}"`);
  }
  const headers = h.list("httpHeaders").map((x) => {
    x.object().known(["name", "value"]);
    return { name: x.requiredString("name"), value: x.optionalString("value") ?? "" };
  });
  const path = h.optionalString("path") || "/";
  const out: ProbeHandler = {
    kind: "httpGet",
    path,
    port: port(h.get("port")),
    scheme,
    headers,
  };
  const host = h.optionalString("host");
  if (host) out.host = host;
  return out;
}

/** An integer field where 0 (Go's zero value) means unset. */
function setInteger(f: ManifestField, key: string): number | undefined {
  const v = f.optionalInteger(key, 0, 2_147_483_647);
  return v === 0 ? undefined : v;
}

/**
 * Parses a probe (not yet defaulted: a timing field that is absent or 0 is left out).
 * Undefined when the field is absent.
 *
 * @example
 * ```ts
 * import { readManifest } from "../manifest_reader.ts";
 * import { parseProbe } from "./probe_spec.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("livenessProbe: {tcpSocket: {port: 80}, periodSeconds: 0}\n", "p.yaml");
 * const p = parseProbe(root, "livenessProbe")!;
 * assert.equal(p.periodSeconds, undefined);
 * assert.deepEqual(p.handler, { kind: "tcpSocket", port: 80 });
 * ```
 */
export function parseProbe(parent: ManifestField, name: ProbeName): ProbeInput | undefined {
  const f = parent.get(name);
  if (f.isNull) return undefined;
  f.object().known([
    ...HANDLERS,
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
  ]);
  const spec: ProbeInput = { handler: parseHandler(f) };
  for (
    const key of [
      "initialDelaySeconds",
      "periodSeconds",
      "timeoutSeconds",
      "successThreshold",
      "failureThreshold",
    ] as const
  ) {
    const v = setInteger(f, key);
    if (v !== undefined) spec[key] = v;
  }
  if (name !== "readinessProbe" && (spec.successThreshold ?? 1) !== 1) {
    throw f.get("successThreshold").error(`must be 1 for ${name}, got ${spec.successThreshold}`);
  }
  if (name === "readinessProbe" && f.has("terminationGracePeriodSeconds")) {
    throw f.get("terminationGracePeriodSeconds").error("must not be set for readinessProbe");
  }
  const grace = f.optionalInteger("terminationGracePeriodSeconds", 1, 2_147_483_647);
  if (grace !== undefined) spec.terminationGracePeriodSeconds = grace;
  return spec;
}

/**
 * Parses `lifecycle` (`postStart`, `preStop`: exec, httpGet or sleep handlers).
 *
 * @example
 * ```ts
 * import { readManifest } from "../manifest_reader.ts";
 * import { parseLifecycle } from "./probe_spec.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("lifecycle: {preStop: {exec: {command: [sh, -c, 'sleep 1']}}}\n", "p.yaml");
 * assert.equal(parseLifecycle(root)?.preStop?.kind, "exec");
 * ```
 */
export function parseLifecycle(parent: ManifestField): LifecycleSpec | undefined {
  const f = parent.get("lifecycle");
  if (f.isNull) return undefined;
  f.object().known(["postStart", "preStop", "stopSignal"]);
  const out: LifecycleSpec = {};
  for (const hook of ["postStart", "preStop"] as const) {
    const h = f.get(hook);
    if (h.isNull) continue;
    h.object().known(HOOK_HANDLERS);
    out[hook] = parseHandler(h, true);
  }
  return out;
}
