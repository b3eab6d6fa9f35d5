/**
 * The normalized model written back as a Compose file (`rkl compose config`), as docker compose
 * prints it: interpolated, merged, paths absolute, the long syntax for ports, volumes, networks and
 * depends_on, snake_case keys — a file that loads back to the same model. Pure.
 *
 * @module
 */
import type {
  ComposeFileSource,
  ComposeModel,
  ComposeService,
  ServiceFileRef,
} from "./compose_model.ts";

/**
 * A duration in the Compose Specification's (Go's) notation: `1h2m3s`, `1m30s`, `500ms`, `0s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./compose_document.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(90_000), "1m30s");
 * assert.equal(formatDuration(1_500), "1s500ms");
 * assert.equal(formatDuration(0), "0s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: [number, string][] = [
    [Math.floor(ms / 3_600_000), "h"],
    [Math.floor(ms / 60_000) % 60, "m"],
    [Math.floor(ms / 1000) % 60, "s"],
    [ms % 1000, "ms"],
  ];
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join("");
}

function fileSource(src: ComposeFileSource): Record<string, unknown> {
  switch (src.kind) {
    case "file":
      return { file: src.file };
    case "environment":
      return { environment: src.variable };
    case "content":
      return { content: src.content };
    case "external":
      return { external: true };
  }
}

function fileRefs(refs: readonly ServiceFileRef[]): Record<string, string>[] {
  return refs.map((r) => ({ source: r.source, target: r.target }));
}

/** Adds `value` under `key` unless it is empty (undefined, false, `[]`, `{}`). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === false) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (typeof value === "object" && value !== null && Object.keys(value).length === 0) return;
  out[key] = value;
}

function serviceDocument(svc: ComposeService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  put(out, "image", svc.image);
  put(out, "container_name", svc.containerName);
  put(out, "hostname", svc.hostname);
  put(out, "entrypoint", svc.entrypoint);
  put(out, "command", svc.command);
  put(out, "working_dir", svc.workingDir);
  if (svc.user) {
    put(
      out,
      "user",
      svc.user.gid === undefined ? `${svc.user.uid}` : `${svc.user.uid}:${svc.user.gid}`,
    );
  }
  put(out, "environment", svc.environment);
  put(out, "labels", svc.labels);
  put(
    out,
    "ports",
    svc.ports.map((p) => {
      const port: Record<string, unknown> = { mode: "ingress", target: p.target };
      if (p.published !== undefined) port.published = String(p.published);
      if (p.hostIp !== undefined) port.host_ip = p.hostIp;
      port.protocol = p.protocol;
      if (p.name !== undefined) port.name = p.name;
      return port;
    }),
  );
  put(out, "expose", svc.expose.map((p) => `${p.target}/${p.protocol}`));
  put(
    out,
    "volumes",
    svc.volumes.map((v) => {
      const vol: Record<string, unknown> = { type: v.type };
      if (v.source !== undefined) vol.source = v.source;
      vol.target = v.target;
      if (v.readOnly) vol.read_only = true;
      if (v.type === "bind") vol.bind = { create_host_path: v.createHostPath };
      if (v.type === "tmpfs" && v.tmpfsSize !== undefined) vol.tmpfs = { size: v.tmpfsSize };
      return vol;
    }),
  );
  out.networks = Object.fromEntries(
    Object.entries(svc.networks).map(([name, n]) => {
      const net: Record<string, unknown> = {};
      put(net, "aliases", n.aliases);
      put(net, "ipv4_address", n.ipv4Address);
      return [name, Object.keys(net).length > 0 ? net : null];
    }),
  );
  put(
    out,
    "depends_on",
    Object.fromEntries(
      Object.entries(svc.dependsOn).map((
        [name, d],
      ) => [name, { condition: d.condition, restart: d.restart, required: d.required }]),
    ),
  );
  if (svc.healthcheck) {
    const h = svc.healthcheck;
    out.healthcheck = {
      test: ["CMD", ...h.test],
      interval: formatDuration(h.intervalMs),
      timeout: formatDuration(h.timeoutMs),
      retries: h.retries,
      start_period: formatDuration(h.startPeriodMs),
      start_interval: formatDuration(h.startIntervalMs),
    };
  }
  if (svc.restart !== "no") {
    out.restart = svc.restartMaxRetries === undefined
      ? svc.restart
      : `${svc.restart}:${svc.restartMaxRetries}`;
  }
  put(out, "configs", fileRefs(svc.configs));
  put(out, "secrets", fileRefs(svc.secrets));
  put(out, "cpus", svc.cpus);
  if (svc.memLimit !== undefined) out.mem_limit = String(svc.memLimit);
  if (svc.memReservation !== undefined) out.mem_reservation = String(svc.memReservation);
  const deploy: Record<string, unknown> = {};
  if (svc.deployReplicas) deploy.replicas = svc.replicas;
  else if (svc.replicas !== 1) out.scale = svc.replicas;
  if (svc.cpuReservation !== undefined) {
    deploy.resources = { reservations: { cpus: String(svc.cpuReservation) } };
  }
  put(out, "deploy", deploy);
  put(out, "stop_signal", svc.stopSignal);
  out.stop_grace_period = formatDuration(svc.stopGracePeriodMs);
  put(out, "init", svc.init);
  put(out, "read_only", svc.readOnly);
  put(out, "privileged", svc.privileged);
  put(out, "cap_add", svc.capAdd);
  put(out, "cap_drop", svc.capDrop);
  put(out, "extra_hosts", svc.extraHosts);
  put(out, "dns", svc.dns);
  put(out, "dns_search", svc.dnsSearch);
  put(out, "dns_opt", svc.dnsOptions);
  put(out, "profiles", svc.profiles);
  return out;
}

/**
 * The model as a Compose document (what `rkl compose config` prints as YAML).
 *
 * @example
 * ```ts
 * import { composeDocument } from "./compose_document.ts";
 * import assert from "node:assert/strict";
 * const doc = composeDocument({
 *   name: "app", workingDir: "/app", files: ["/app/compose.yaml"],
 *   services: { web: {
 *     name: "web", image: "/app/img", command: ["sleep", "300"], environment: {},
 *     ports: [{ target: 80, published: 8080, protocol: "tcp" }], expose: [], volumes: [],
 *     networks: { default: { aliases: [] } }, dependsOn: {}, restart: "no", labels: {},
 *     configs: [], secrets: [], replicas: 1, deployReplicas: false, stopGracePeriodMs: 10_000,
 *     init: false, readOnly: false, capAdd: [], capDrop: [], privileged: false, extraHosts: {},
 *     dns: [], profiles: [],
 *   } },
 *   networks: { default: { name: "app_default", external: false, internal: false } },
 *   volumes: {}, configs: {}, secrets: {},
 * }) as { services: { web: { ports: unknown[]; stop_grace_period: string } } };
 * assert.deepEqual(doc.services.web.ports, [
 *   { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
 * ]);
 * assert.equal(doc.services.web.stop_grace_period, "10s");
 * ```
 */
export function composeDocument(model: ComposeModel): Record<string, unknown> {
  return escapeDollars(document(model)) as Record<string, unknown>;
}

/** `$` written as `$$`, so that loading the printed file does not interpolate it again. */
function escapeDollars(v: unknown): unknown {
  if (typeof v === "string") return v.replaceAll("$", "$$$$");
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)]));
  }
  return v;
}

function document(model: ComposeModel): Record<string, unknown> {
  const out: Record<string, unknown> = { name: model.name };
  out.services = Object.fromEntries(
    Object.entries(model.services).map(([name, svc]) => [name, serviceDocument(svc)]),
  );
  put(
    out,
    "networks",
    Object.fromEntries(
      Object.entries(model.networks).map(([key, n]) => {
        const net: Record<string, unknown> = { name: n.name };
        if (n.external) net.external = true;
        else {
          net.driver = "bridge";
          if (n.internal) net.internal = true;
          if (n.subnet !== undefined) net.ipam = { config: [{ subnet: n.subnet }] };
        }
        return [key, net];
      }),
    ),
  );
  put(
    out,
    "volumes",
    Object.fromEntries(
      Object.entries(model.volumes).map((
        [key, v],
      ) => [key, v.external ? { name: v.name, external: true } : { name: v.name }]),
    ),
  );
  for (const kind of ["configs", "secrets"] as const) {
    put(
      out,
      kind,
      Object.fromEntries(Object.entries(model[kind]).map(([k, src]) => [k, fileSource(src)])),
    );
  }
  return out;
}
