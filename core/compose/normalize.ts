/**
 * Validation and normalization of a merged, interpolated Compose document into a
 * {@linkcode ComposeModel}: every error names file, line, column and field path; keys rk8s does
 * not support are warnings (one per key, with its line), not errors. Pure: files and images are
 * reached through injected functions.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { ManifestError, ManifestErrors, type SourcePosition } from "../errors.ts";
import type { ManifestWarning } from "../manifest_reader.ts";
import { Field } from "./_field.ts";
import type {
  ComposeFileSource,
  ComposeModel,
  ComposeNetwork,
  ComposeRestart,
  ComposeService,
  ComposeVolume,
  DependencyCondition,
  LoadedCompose,
  ServiceDependency,
  ServiceFileRef,
  ServiceHealthcheck,
  ServiceNetwork,
} from "./compose_model.ts";
import { listToMap } from "./merge.ts";
import {
  parseByteSize,
  type Parsed,
  parseDuration,
  parsePortShort,
  parseVolumeShort,
  type ServicePort,
  type ServiceVolume,
  splitShellWords,
} from "./syntax.ts";
import { parseEnvFile } from "./env_file.ts";
import { resolveUser } from "./user_lookup.ts";
import { importResources } from "./include.ts";
import { DependencyCycleError, dependencyLevels } from "./plan.ts";
import { LINUX_STOP_SIGNALS } from "../pod/pod_manifest_container.ts";
import { resolveImage } from "../image_resolve.ts";

/** Inputs of {@linkcode normalizeCompose} besides the document. */
export interface NormalizeOptions {
  /** Project name (already chosen and validated). */
  projectName: string;
  /** Project directory. */
  workingDir: string;
  /** Files the document came from. */
  files: string[];
  /** Variables for `environment: [KEY]` and env files (process environment, then `.env`). */
  lookup: (name: string) => string | undefined;
  /** Reads a file (env_file); throws `Deno.errors.NotFound` when missing. */
  readTextFile: (path: string) => string;
  /** Returns why `path` is not an image bundle, or undefined. */
  checkImage: (path: string) => string | undefined;
  /**
   * Where an `image:` that is neither a path nor a bundle directory under the project directory
   * is looked up as an image reference (see `resolveImage` in core/image_resolve.ts).
   */
  imageDir?: string;
  /** Enabled profiles (`--profile`, `COMPOSE_PROFILES`). */
  profiles: readonly string[];
  /** Warnings collected so far (interpolation); appended to. */
  warnings?: ManifestWarning[];
  /**
   * Projects of the `include` entries, already loaded and normalized: their resources join this
   * one (services here may depend on theirs, use their networks, ...).
   */
  included?: readonly ComposeModel[];
  /** Errors found before (interpolation); every error is reported together at the end. */
  errors?: ManifestError[];
  /**
   * Services that will run must have `command` or `entrypoint`: an rk8s image is a bundle
   * directory without an image config, so there is no default command (`up` and `run` set it;
   * `config` and `convert` do not).
   */
  requireCommand?: boolean;
}

const SERVICE_KEYS = new Set([
  "image",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "ports",
  "expose",
  "volumes",
  "tmpfs",
  "networks",
  "depends_on",
  "healthcheck",
  "restart",
  "container_name",
  "hostname",
  "working_dir",
  "user",
  "labels",
  "configs",
  "secrets",
  "deploy",
  "cpus",
  "mem_limit",
  "mem_reservation",
  "stop_signal",
  "stop_grace_period",
  "init",
  "read_only",
  "cap_add",
  "cap_drop",
  "privileged",
  "extra_hosts",
  "dns",
  "dns_search",
  "dns_opt",
  "profiles",
  "scale",
]);

/** Service keys of the Compose Specification that rk8s does not apply. */
const UNSUPPORTED_SERVICE_KEYS = new Set([
  "build",
  "devices",
  "logging",
  "pull_policy",
  "platform",
  "sysctls",
  "ulimits",
  "security_opt",
  "network_mode",
  "ipc",
  "pid",
  "shm_size",
  "tty",
  "stdin_open",
  "links",
  "external_links",
  "domainname",
  "mac_address",
  "cgroup_parent",
  "cgroup",
  "oom_kill_disable",
  "oom_score_adj",
  "mem_swappiness",
  "memswap_limit",
  "cpu_shares",
  "cpu_quota",
  "cpu_period",
  "cpu_count",
  "cpu_percent",
  "cpu_rt_runtime",
  "cpu_rt_period",
  "cpuset",
  "blkio_config",
  "device_cgroup_rules",
  "group_add",
  "isolation",
  "storage_opt",
  "userns_mode",
  "uts",
  "volumes_from",
  "runtime",
  "pids_limit",
  "attach",
  "annotations",
  "credential_spec",
  "develop",
  "extends",
  "gpus",
  "label_file",
  "lifecycle_hooks",
  "models",
  "post_start",
  "pre_stop",
  "provider",
  "use_api_socket",
]);

/**
 * A valid Compose service name: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
 *
 * @example
 * ```ts
 * import { serviceNameProblem } from "./normalize.ts";
 * import assert from "node:assert/strict";
 * assert.equal(serviceNameProblem("web_1"), undefined);
 * assert.match(serviceNameProblem("-x") ?? "", /not a valid service name/);
 * ```
 */
export function serviceNameProblem(name: string): string | undefined {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)
    ? undefined
    : `"${name}" is not a valid service name (letters, digits, ".", "_" and "-", starting with a letter or digit)`;
}

function ok<T>(f: Field, r: Parsed<T>): T {
  if (!r.ok) throw f.error(r.reason);
  return r.value;
}

function absolute(dir: string, p: string, lookup: (n: string) => string | undefined): string {
  if (p.startsWith("~")) p = (lookup("HOME") ?? "/root") + p.slice(1);
  return isAbsolute(p) ? resolve(p) : resolve(dir, p);
}

interface Ctx extends NormalizeOptions {
  warnings: ManifestWarning[];
  errors: ManifestError[];
}

/**
 * Runs one check; a {@linkcode ManifestError} it throws is recorded and `fallback` returned, so
 * that one run reports every error of the file (docker compose's schema validation lists them
 * all) instead of stopping at the first.
 */
function attempt<T>(ctx: Ctx, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    ctx.errors.push(...(e instanceof ManifestErrors ? e.errors : [e]));
    return fallback;
  }
}

/**
 * Throws what {@linkcode attempt} recorded: nothing, the one error, or a
 * {@linkcode ManifestErrors} with all of them in file order.
 */
export function throwCollected(errors: readonly ManifestError[], files: readonly string[]): void {
  if (errors.length === 0) return;
  const seen = new Set<string>();
  const unique = errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
  const fileIndex = (f: string) => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  const sorted = unique.map((e, i) => ({ e, i })).sort((a, b) =>
    fileIndex(a.e.file) - fileIndex(b.e.file) || a.e.line - b.e.line ||
    a.e.column - b.e.column || a.i - b.i
  ).map(({ e }) => e);
  throw sorted.length === 1 ? sorted[0]! : new ManifestErrors(sorted);
}

/**
 * Validates and normalizes a merged Compose document.
 *
 * @example
 * ```ts
 * import { normalizeCompose } from "./normalize.ts";
 * import assert from "node:assert/strict";
 * const { model, warnings } = normalizeCompose(
 *   { services: { web: { image: "./img", ports: ["8080:80"], build: "." } } },
 *   {
 *     projectName: "demo", workingDir: "/app", files: ["/app/compose.yaml"], profiles: [],
 *     lookup: () => undefined, readTextFile: () => "", checkImage: () => undefined,
 *   },
 * );
 * assert.equal(model.services.web!.image, "/app/img");
 * assert.equal(model.services.web!.ports[0]!.published, 8080);
 * assert.equal(model.networks.default!.name, "demo_default");
 * assert.match(warnings[0]!.message, /"build" is not supported/);
 * ```
 */
export function normalizeCompose(doc: unknown, opts: NormalizeOptions): LoadedCompose {
  const warnings = opts.warnings ?? [];
  const errors = opts.errors ?? [];
  const ctx: Ctx = { ...opts, warnings, errors };
  const at = <T>(fn: () => T, fallback: T): T => attempt(ctx, fn, fallback);
  const file = opts.files[0] ?? "compose.yaml";
  const root = new Field(doc ?? {}, "", { file, line: 1, column: 1 }, warnings);
  root.map();
  for (const [k, f] of root.entries()) {
    if (
      k.startsWith("x-") ||
      ["name", "services", "networks", "volumes", "configs", "secrets", "include"].includes(k)
    ) {
      continue;
    }
    if (k === "version") f.warn('the attribute "version" is obsolete, ignored');
    else f.warn(`unknown top-level key "${k}", ignored`);
  }
  // The included projects' resources, merged among themselves first.
  const imported: Pick<ComposeModel, "services" | "networks" | "volumes" | "configs" | "secrets"> =
    { services: {}, networks: {}, volumes: {}, configs: {}, secrets: {} };
  for (const m of opts.included ?? []) {
    importResources(
      imported,
      m,
      (kind, name) => root.get("include").error(`${kind}.${name} conflicts with imported resource`),
    );
  }
  const servicesField = root.get("services");
  if (servicesField.isNull && Object.keys(imported.services).length === 0) {
    throw servicesField.error("no services defined (services: is empty or missing)");
  }
  if (!servicesField.isNull) servicesField.map();

  const services: Record<string, ComposeService> = {};
  const fields = new Map<string, Field>();
  /** Services that failed validation: references to them are not reported again. */
  const broken = new Set<string>();
  for (const [name, f] of servicesField.entries()) {
    const before = errors.length;
    const svc = at(() => {
      const problem = serviceNameProblem(name);
      if (problem) throw f.error(problem);
      if (f.isNull) throw f.error("a service needs at least an image");
      return normalizeService(name, f, ctx);
    }, undefined);
    if (svc === undefined || errors.length > before) broken.add(name);
    if (svc === undefined) continue;
    const active = svc.profiles.length === 0 || svc.profiles.some((p) => opts.profiles.includes(p));
    if (active) {
      services[name] = svc;
      fields.set(name, f);
    }
  }
  if (
    Object.keys(services).length === 0 && Object.keys(imported.services).length === 0 &&
    broken.size === 0
  ) {
    throw servicesField.error(
      "no service is enabled (every service has a profile that is not enabled)",
    );
  }

  const networkFields = root.get("networks");
  const declaredNets = new Map(networkFields.entries());
  const networks: Record<string, ComposeNetwork> = {};
  const volumeFields = root.get("volumes");
  const declaredVols = new Map(volumeFields.entries());
  const configs = fileSources(root.get("configs"), ctx, "config");
  const secrets = fileSources(root.get("secrets"), ctx, "secret");

  for (const [name, svc] of Object.entries(services)) {
    const f = fields.get(name)!;
    at(() => checkReferences(name, svc, f), undefined);
  }
  // References, each reported on its own.
  function checkReferences(name: string, svc: ComposeService, f: Field): void {
    for (const net of Object.keys(svc.networks)) {
      if (net === "default" && !declaredNets.has("default")) {
        networks.default ??= {
          name: `${opts.projectName}_default`,
          external: false,
          internal: false,
        };
        continue;
      }
      const nf = declaredNets.get(net);
      if (!nf && imported.networks[net]) continue;
      if (!nf) {
        errors.push(
          f.get("networks").error(
            `service "${name}" refers to undefined network "${net}" (top-level networks has ${
              declaredNets.size > 0
                ? [...declaredNets.keys()].map((n) => `"${n}"`).join(", ")
                : "none"
            })`,
          ),
        );
        continue;
      }
      if (!(net in networks)) {
        const n = at(() => normalizeNetwork(net, nf, ctx), undefined);
        if (n) networks[net] = n;
      }
    }
    for (const [dep, d] of Object.entries(svc.dependsOn)) {
      if (services[dep] || imported.services[dep] || broken.has(dep)) continue;
      const df = f.get("depends_on");
      if (!d.required || (servicesField.get(dep).isMap && !services[dep])) {
        if (!d.required) df.warn(`optional dependency "${dep}" is not defined, ignored`);
        delete svc.dependsOn[dep];
        continue;
      }
      errors.push(df.error(`service "${name}" depends on undefined service "${dep}"`));
    }
    svc.volumes.forEach((v, i) => {
      if (v.type !== "volume" || v.source === undefined) return;
      if (!declaredVols.has(v.source) && !imported.volumes[v.source]) {
        errors.push(
          f.get("volumes").items()[i]?.error(
            `service "${name}" refers to undefined volume "${v.source}" (declare it under the top-level volumes:)`,
          ) ?? f.error(`undefined volume "${v.source}"`),
        );
      }
    });
    for (
      const [kind, refs, defs] of [
        ["config", svc.configs, configs],
        ["secret", svc.secrets, secrets],
      ] as const
    ) {
      for (const r of refs) {
        const def = defs.sources[r.source] ?? imported[`${kind}s`][r.source];
        const rf = f.get(`${kind}s`);
        if (!def) {
          if (!defs.fields.has(r.source)) {
            errors.push(rf.error(`service "${name}" refers to undefined ${kind} "${r.source}"`));
          }
          continue;
        }
        if (def.kind === "file") {
          try {
            Deno.statSync(def.file);
          } catch (e) {
            if (!(e instanceof Deno.errors.NotFound)) throw e;
            errors.push(
              (defs.fields.get(r.source) ?? rf).error(
                `${kind} "${r.source}" file "${def.file}" does not exist`,
              ),
            );
          }
        }
      }
    }
  }
  checkStaticAddresses(services, networks, fields, ctx);
  const volumes: Record<string, ComposeVolume> = {};
  for (const [name, vf] of declaredVols) {
    const v = at(() => normalizeVolume(name, vf, ctx), undefined);
    if (v) volumes[name] = v;
  }
  // Resources declared here and imported must be the same (compose-go's rule).
  const own: Record<string, Map<string, { field: Field; value: () => unknown }>> = {
    services: new Map(
      [...fields].map(([n, sf]) => [n, { field: sf, value: () => services[n] }]),
    ),
    networks: new Map(
      [...declaredNets].map(([n, nf]) => [n, {
        field: nf,
        value: () => networks[n] ?? at(() => normalizeNetwork(n, nf, ctx), undefined),
      }]),
    ),
    volumes: new Map(
      [...declaredVols].map((
        [n, vf],
      ) => [n, { field: vf, value: () => volumes[n] }]),
    ),
    configs: new Map(
      [...configs.fields].map(([n, cf]) => [n, { field: cf, value: () => configs.sources[n] }]),
    ),
    secrets: new Map(
      [...secrets.fields].map(([n, cf]) => [n, { field: cf, value: () => secrets.sources[n] }]),
    ),
  };
  for (const [kind, defs] of Object.entries(imported)) {
    for (const [name, value] of Object.entries(defs as Record<string, unknown>)) {
      const mine = own[kind]!.get(name);
      if (mine && JSON.stringify(mine.value()) !== JSON.stringify(value)) {
        errors.push(mine.field.error(`${kind}.${name} conflicts with imported resource`));
      }
    }
  }
  const checkCycles = () => {
    try {
      dependencyLevels(services);
    } catch (e) {
      if (!(e instanceof DependencyCycleError)) throw e;
      errors.push(
        (fields.get(e.cycle[0]!)?.get("depends_on") ?? root.get("include")).error(e.message),
      );
    }
  };
  // With errors (conflicts among them) nothing is imported: report this file's errors now.
  if (errors.length > 0) {
    checkCycles();
    throwCollected(errors, opts.files);
  }
  importResources(
    { services, networks, volumes: {}, configs: {}, secrets: {} },
    { ...imported, volumes: {}, configs: {}, secrets: {} },
    () => new Error("unreachable: conflicts were checked"),
  );
  checkCycles();
  throwCollected(errors, opts.files);
  for (const [name, v] of Object.entries(imported.volumes)) volumes[name] ??= v;
  for (const [name, c] of Object.entries(imported.configs)) configs.sources[name] ??= c;
  for (const [name, s] of Object.entries(imported.secrets)) secrets.sources[name] ??= s;

  const model: ComposeModel = {
    name: opts.projectName,
    workingDir: opts.workingDir,
    files: opts.files,
    services,
    networks,
    volumes,
    configs: configs.sources,
    secrets: secrets.sources,
  };
  return { model, warnings };
}

/**
 * `ipv4_address`: as docker, only on a network with a configured subnet (`ipam.config[].subnet`;
 * an external network is checked when the pod joins it), inside that subnet, not its network,
 * broadcast or gateway (`.1`) address, used once, and not on a service with several replicas.
 */
function checkStaticAddresses(
  services: Record<string, ComposeService>,
  networks: Record<string, ComposeNetwork>,
  fields: Map<string, Field>,
  ctx: Ctx,
): void {
  const used = new Map<string, string>();
  for (const [name, svc] of Object.entries(services)) {
    for (const [net, sn] of Object.entries(svc.networks)) {
      attempt(ctx, () => checkAddress(name, svc, net, sn), undefined);
    }
  }
  function checkAddress(name: string, svc: ComposeService, net: string, sn: ServiceNetwork): void {
    {
      if (sn.ipv4Address === undefined) return;
      const f = fields.get(name)!.get("networks").get(net).get("ipv4_address");
      const n = networks[net];
      if (svc.replicas > 1) {
        throw f.error(
          `service "${name}" has ipv4_address and ${svc.replicas} replicas: an address is for one container`,
        );
      }
      if (n && !n.external) {
        if (n.subnet === undefined) {
          throw f.error(
            `user specified IP address is supported only when connecting to networks with user configured subnets (set networks.${net}.ipam.config[].subnet)`,
          );
        }
        const problem = addressInSubnetProblem(sn.ipv4Address, n.subnet);
        if (problem) throw f.error(`ipv4_address ${problem}`);
      }
      const key = `${n?.name ?? net}/${sn.ipv4Address}`;
      const other = used.get(key);
      if (other !== undefined) {
        throw f.error(
          `${sn.ipv4Address} on network "${net}" is also the address of service "${other}"`,
        );
      }
      used.set(key, name);
    }
  }
}

function ipNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/**
 * Why `ip` cannot be a static address in `subnet` (outside it, or its network, broadcast or
 * gateway address), or undefined.
 *
 * @example
 * ```ts
 * import { addressInSubnetProblem } from "./normalize.ts";
 * import assert from "node:assert/strict";
 * assert.equal(addressInSubnetProblem("172.28.1.5", "172.28.0.0/16"), undefined);
 * assert.match(addressInSubnetProblem("10.1.1.1", "172.28.0.0/16") ?? "", /not in the subnet/);
 * ```
 */
export function addressInSubnetProblem(ip: string, subnet: string): string | undefined {
  const [base = "", bits = "32"] = subnet.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = ipNumber(base) - (ipNumber(base) % size);
  const n = ipNumber(ip);
  if (n < start || n >= start + size) return `${ip} is not in the subnet ${subnet}`;
  if (n === start) return `${ip} is the network address of ${subnet}`;
  if (n === start + size - 1) return `${ip} is the broadcast address of ${subnet}`;
  if (n === start + 1) return `${ip} is the gateway of ${subnet}`;
  return undefined;
}

function fileSources(
  f: Field,
  ctx: Ctx,
  kind: "config" | "secret",
): { sources: Record<string, ComposeFileSource>; fields: Map<string, Field> } {
  const sources: Record<string, ComposeFileSource> = {};
  const fields = new Map<string, Field>();
  for (const [name, e] of attempt(ctx, () => f.entries(), [])) {
    attempt(ctx, () => fileSource(name, e), undefined);
  }
  return { sources, fields };

  function fileSource(name: string, e: Field): void {
    e.map();
    fields.set(name, e.get("file").isNull ? e : e.get("file"));
    for (const [k, kf] of e.entries()) {
      if (
        !["file", "environment", "content", "external", "name", "labels", "template_driver"]
          .includes(k) && !k.startsWith("x-")
      ) {
        kf.warn(`${kind} key "${k}" is not supported by rk8s, ignored`);
      }
    }
    if (!e.get("file").isNull) {
      sources[name] = {
        kind: "file",
        file: absolute(ctx.workingDir, e.get("file").string(), ctx.lookup),
      };
    } else if (!e.get("environment").isNull) {
      sources[name] = { kind: "environment", variable: e.get("environment").string() };
    } else if (!e.get("content").isNull) {
      if (kind === "secret") {
        e.get("content").warn(
          'secret "content" is not in the specification for secrets; used anyway',
        );
      }
      sources[name] = { kind: "content", content: e.get("content").scalar() };
    } else if (!e.get("external").isNull && e.get("external").boolean()) {
      sources[name] = { kind: "external" };
    } else {
      throw e.error(`${kind} "${name}" needs one of file, environment, content`);
    }
  }
}

function normalizeNetwork(name: string, f: Field, ctx: Ctx): ComposeNetwork {
  const out: ComposeNetwork = {
    name: `${ctx.projectName}_${name}`,
    external: false,
    internal: false,
  };
  if (f.isNull) return out;
  for (const [k, kf] of f.entries()) {
    if (k.startsWith("x-")) continue;
    if (["driver", "external", "name", "ipam", "internal", "labels", "attachable"].includes(k)) {
      continue;
    }
    kf.warn(`network key "${k}" is not supported by rk8s, ignored`);
  }
  const driver = f.get("driver");
  if (!driver.isNull && driver.string() !== "bridge") {
    throw driver.error(`network driver "${driver.string()}" is not supported (only "bridge")`);
  }
  const ext = f.get("external");
  if (!ext.isNull) {
    if (ext.isMap) {
      out.external = true;
      out.name = ext.get("name").isNull ? name : ext.get("name").string();
    } else out.external = ext.boolean();
    if (out.external && ext.isMap === false) out.name = name;
  }
  if (!f.get("name").isNull) out.name = f.get("name").string();
  if (!f.get("internal").isNull) {
    out.internal = f.get("internal").boolean();
  }
  const ipam = f.get("ipam");
  if (!ipam.isNull) {
    for (const [k, kf] of ipam.entries()) {
      if (k !== "config" && k !== "driver") kf.warn(`ipam key "${k}" is not supported, ignored`);
    }
    const first = ipam.get("config").items()[0];
    if (first && !first.get("subnet").isNull) {
      const subnet = first.get("subnet").string();
      if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)) {
        throw first.get("subnet").error(
          `invalid IPv4 subnet "${subnet}" (expected e.g. "172.28.0.0/16")`,
        );
      }
      out.subnet = subnet;
    }
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(out.name)) {
    throw f.error(
      `network name "${out.name}" is not valid (letters, digits, "_", "." and "-", at most 63)`,
    );
  }
  return out;
}

function normalizeVolume(name: string, f: Field, ctx: Ctx): ComposeVolume {
  const out: ComposeVolume = { name: `${ctx.projectName}_${name}`, external: false };
  if (f.isNull) return out;
  for (const [k, kf] of f.entries()) {
    if (k.startsWith("x-") || ["driver", "external", "name", "labels"].includes(k)) continue;
    kf.warn(`volume key "${k}" is not supported by rk8s, ignored`);
  }
  const driver = f.get("driver");
  if (!driver.isNull && driver.string() !== "local") {
    throw driver.error(`volume driver "${driver.string()}" is not supported (only "local")`);
  }
  const ext = f.get("external");
  if (!ext.isNull) {
    out.external = ext.isMap ? true : ext.boolean();
    if (out.external) {
      out.name = ext.isMap && !ext.get("name").isNull ? ext.get("name").string() : name;
    }
  }
  if (!f.get("name").isNull) out.name = f.get("name").string();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(out.name)) {
    throw f.error(`volume name "${out.name}" is not valid`);
  }
  return out;
}

function argv(f: Field): string[] | undefined {
  if (f.isNull) return undefined;
  if (Array.isArray(f.value)) return f.items().map((i) => i.scalar());
  return ok(f, splitShellWords(f.scalar()));
}

function durationMs(f: Field, fallback: number): number {
  if (f.isNull) return fallback;
  const v = f.value;
  return ok(f, parseDuration(typeof v === "number" ? v : f.scalar()));
}

function bytes(f: Field): number | undefined {
  if (f.isNull) return undefined;
  const v = f.value;
  return ok(f, parseByteSize(typeof v === "number" ? v : f.scalar()));
}

function cpus(f: Field): number | undefined {
  if (f.isNull) return undefined;
  const n = f.number();
  if (n <= 0) throw f.error(`expected a positive number of CPUs, got ${n}`);
  return n;
}

function normalizeService(name: string, f: Field, ctx: Ctx): ComposeService {
  f.map();
  // Each key is checked on its own, so one run reports every bad key of the service.
  const at = <T>(fn: () => T, fallback: T): T => attempt(ctx, fn, fallback);
  for (const [k, kf] of f.entries()) {
    if (SERVICE_KEYS.has(k) || k.startsWith("x-")) continue;
    if (UNSUPPORTED_SERVICE_KEYS.has(k)) kf.warn(`"${k}" is not supported by rk8s, ignored`);
    else kf.warn(`unknown service key "${k}", ignored`);
  }
  const imageField = f.get("image");
  const image = at(() => {
    if (imageField.isNull) {
      throw (f.get("build").isNull ? f : f.get("build")).error(
        `service "${name}" has no image (building images is not supported; image: is a bundle directory)`,
      );
    }
    const written = imageField.string();
    if (written.startsWith("~")) {
      const image = absolute(ctx.workingDir, written, ctx.lookup);
      const imageProblem = ctx.checkImage(image);
      if (imageProblem) throw imageField.error(imageProblem);
      return image;
    }
    const found = resolveImage(written, {
      baseDir: ctx.workingDir,
      check: ctx.checkImage,
      ...(ctx.imageDir !== undefined ? { imageDir: ctx.imageDir } : {}),
    });
    if ("problem" in found) throw imageField.error(found.problem);
    return found.path;
  }, undefined);

  const environment: Record<string, string> = {};
  for (
    const ef of f.get("env_file").isNull
      ? []
      : (Array.isArray(f.get("env_file").value) ? f.get("env_file").items() : [f.get("env_file")])
  ) at(() => envFile(ef), undefined);
  function envFile(ef: Field): void {
    let path: string;
    let required = true;
    if (ef.isMap) {
      path = ef.get("path").string();
      if (!ef.get("required").isNull) required = ef.get("required").boolean();
    } else path = ef.string();
    const abs = absolute(ctx.workingDir, path, ctx.lookup);
    let text: string;
    try {
      text = ctx.readTextFile(abs);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      if (!required) return;
      throw ef.error(`env file "${abs}" not found`);
    }
    try {
      Object.assign(environment, parseEnvFile(text, abs, ctx.lookup));
    } catch (e) {
      throw ef.error(e instanceof Error ? e.message : String(e));
    }
  }
  const envField = f.get("environment");
  const envMap = new Field(
    listToMap("environment", envField.value),
    envField.path,
    envField.pos,
    ctx.warnings,
  );
  for (const [k, vf] of at(() => envMap.entries(), [])) {
    at(() => {
      if (k.startsWith("\0")) {
        throw vf.error(`expected "KEY=VALUE", got ${JSON.stringify(vf.value)}`);
      }
      if (k === "" || /[=\s]/.test(k)) throw vf.error(`invalid environment variable name "${k}"`);
      if (vf.isNull) {
        const v = ctx.lookup(k);
        if (v !== undefined) environment[k] = v;
        else delete environment[k];
      } else environment[k] = vf.scalar();
    }, undefined);
  }

  const ports: ServicePort[] = [];
  for (const pf of at(() => f.get("ports").items(), [])) at(() => port(pf), undefined);
  function port(pf: Field): void {
    if (pf.isMap) {
      for (const [k, kf] of pf.entries()) {
        if (
          !["target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"].includes(
            k,
          )
        ) {
          kf.warn(`port key "${k}" is not supported, ignored`);
        }
      }
      const target = pf.get("target").integer(1, 65535);
      const proto = pf.get("protocol").isNull ? "tcp" : pf.get("protocol").string().toLowerCase();
      if (proto !== "tcp" && proto !== "udp") {
        throw pf.get("protocol").error(`expected tcp or udp, got "${proto}"`);
      }
      const p: ServicePort = { target, protocol: proto };
      const pub = pf.get("published");
      if (!pub.isNull) {
        const r = ok(pub, parsePortShort(`${pub.scalar()}:${target}`));
        if (r[0]?.published !== undefined) p.published = r[0].published;
      }
      if (!pf.get("host_ip").isNull) p.hostIp = pf.get("host_ip").string();
      if (!pf.get("name").isNull) p.name = pf.get("name").string();
      ports.push(p);
    } else {
      const v = pf.value;
      // A port without a host port is published on an ephemeral one at `up` (docker's rule).
      ports.push(...ok(pf, parsePortShort(typeof v === "number" ? v : pf.string())));
    }
  }
  const expose: ServicePort[] = [];
  for (const ef of at(() => f.get("expose").items(), [])) {
    at(() => {
      const r = ok(ef, parsePortShort(typeof ef.value === "number" ? ef.value : ef.string()));
      if (r.some((p) => p.published !== undefined)) {
        throw ef.error('expose takes container ports only, e.g. "3000"');
      }
      expose.push(...r);
    }, undefined);
  }

  const volumes: ServiceVolume[] = [];
  for (const vf of at(() => f.get("volumes").items(), [])) at(() => volume(vf), undefined);
  function volume(vf: Field): void {
    let v: ServiceVolume;
    if (vf.isMap) {
      for (const [k, kf] of vf.entries()) {
        if (
          !["type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"]
            .includes(k)
        ) {
          kf.warn(`volume key "${k}" is not supported, ignored`);
        }
      }
      const type = vf.get("type").string();
      if (type !== "bind" && type !== "volume" && type !== "tmpfs") {
        throw vf.get("type").error(`expected bind, volume or tmpfs, got "${type}"`);
      }
      const target = vf.get("target").string();
      if (!target.startsWith("/")) {
        throw vf.get("target").error(`the target "${target}" is not absolute`);
      }
      v = {
        type,
        target,
        readOnly: vf.get("read_only").isNull ? false : vf.get("read_only").boolean(),
        // Only a bind has a host path (a tmpfs is the same from either syntax).
        createHostPath: type !== "tmpfs",
      };
      if (!vf.get("source").isNull) v.source = vf.get("source").string();
      if (type === "bind") {
        if (v.source === undefined) throw vf.get("source").error("a bind mount needs a source");
        const cb = vf.get("bind").get("create_host_path");
        if (!cb.isNull) v.createHostPath = cb.boolean();
      }
      if (type === "tmpfs") {
        const size = bytes(vf.get("tmpfs").get("size"));
        if (size !== undefined) v.tmpfsSize = size;
      }
    } else {
      v = ok(vf, parseVolumeShort(vf.string()));
    }
    if (v.type === "bind" && v.source !== undefined) {
      v.source = absolute(ctx.workingDir, v.source, ctx.lookup);
    }
    volumes.push(v);
  }
  for (
    const tf of f.get("tmpfs").isNull
      ? []
      : (Array.isArray(f.get("tmpfs").value) ? f.get("tmpfs").items() : [f.get("tmpfs")])
  ) at(() => tmpfs(tf), undefined);
  function tmpfs(tf: Field): void {
    const [target, ...optsList] = tf.string().split(":");
    if (!target?.startsWith("/")) throw tf.error(`the tmpfs path "${target}" is not absolute`);
    const v: ServiceVolume = { type: "tmpfs", target, readOnly: false, createHostPath: false };
    for (const o of optsList.join(":").split(",")) {
      const m = /^size=(.+)$/.exec(o);
      if (m) v.tmpfsSize = ok(tf, parseByteSize(m[1]!));
    }
    volumes.push(v);
  }
  const targets = new Map<string, number>();
  volumes.forEach((v, i) => {
    if (targets.has(v.target)) {
      ctx.errors.push(f.get("volumes").error(`mount target "${v.target}" is used twice`));
    }
    targets.set(v.target, i);
  });

  const networks: Record<string, ServiceNetwork> = {};
  const netField = f.get("networks");
  if (netField.isNull) networks.default = { aliases: [] };
  else {
    const nm = new Field(
      listToMap("networks", netField.value),
      netField.path,
      netField.pos,
      ctx.warnings,
    );
    for (const [net, nf] of at(() => nm.entries(), [])) {
      at(() => serviceNetwork(net, nf), undefined);
    }
  }
  function serviceNetwork(net: string, nf: Field): void {
    {
      if (net.startsWith("\0")) throw nf.error("expected a network name");
      const sn: ServiceNetwork = { aliases: [] };
      if (!nf.isNull) {
        for (const [k, kf] of nf.entries()) {
          if (!["aliases", "ipv4_address"].includes(k)) {
            kf.warn(`service network key "${k}" is not supported, ignored`);
          }
        }
        sn.aliases = nf.get("aliases").items().map((a) => a.string());
        if (!nf.get("ipv4_address").isNull) {
          sn.ipv4Address = nf.get("ipv4_address").string();
          if (!IPV4_ADDRESS.test(sn.ipv4Address)) {
            throw nf.get("ipv4_address").error(`"${sn.ipv4Address}" is not an IPv4 address`);
          }
        }
      }
      networks[net] = sn;
    }
  }

  const dependsOn: Record<string, ServiceDependency> = {};
  const depField = f.get("depends_on");
  const dm = new Field(
    listToMap("depends_on", depField.value),
    depField.path,
    depField.pos,
    ctx.warnings,
  );
  for (const [dep, df] of at(() => dm.entries(), [])) at(() => dependency(dep, df), undefined);
  function dependency(dep: string, df: Field): void {
    if (dep.startsWith("\0")) throw df.error("expected a service name");
    const d: ServiceDependency = { condition: "service_started", restart: false, required: true };
    if (!df.isNull) {
      const cond = df.get("condition");
      if (!cond.isNull) {
        const c = cond.string();
        if (
          c !== "service_started" && c !== "service_healthy" &&
          c !== "service_completed_successfully"
        ) {
          throw cond.error(
            `expected service_started, service_healthy or service_completed_successfully, got "${c}"`,
          );
        }
        d.condition = c as DependencyCondition;
      }
      if (!df.get("restart").isNull) d.restart = df.get("restart").boolean();
      if (!df.get("required").isNull) d.required = df.get("required").boolean();
    }
    dependsOn[dep] = d;
  }

  const bool = (key: string) => at(() => f.get(key).isNull ? false : f.get(key).boolean(), false);
  const list = (key: string) => at(() => f.get(key).stringOrList(), []);
  const svc: ComposeService = {
    name,
    image: image ?? "",
    environment: Object.fromEntries(
      Object.entries(environment).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
    ),
    ports,
    expose,
    volumes,
    networks,
    dependsOn,
    restart: "no",
    labels: {},
    configs: at(() => fileRefs(f.get("configs"), "config", ctx), []),
    secrets: at(() => fileRefs(f.get("secrets"), "secret", ctx), []),
    replicas: 1,
    deployReplicas: false,
    stopGracePeriodMs: at(() => durationMs(f.get("stop_grace_period"), 10_000), 10_000),
    init: bool("init"),
    readOnly: bool("read_only"),
    capAdd: list("cap_add"),
    capDrop: list("cap_drop"),
    privileged: bool("privileged"),
    extraHosts: {},
    dns: list("dns"),
    profiles: list("profiles"),
  };
  const entrypoint = at(() => argv(f.get("entrypoint")), undefined);
  if (entrypoint) svc.entrypoint = entrypoint;
  const command = at(() => argv(f.get("command")), undefined);
  if (command) svc.command = command;
  if (
    ctx.requireCommand && !entrypoint?.length && !command?.length &&
    f.get("command").isNull && f.get("entrypoint").isNull
  ) {
    // An rk8s image is a bundle directory without an image config (no ENTRYPOINT/CMD).
    ctx.errors.push(
      f.error(
        `service "${name}" needs command or entrypoint: the image has no default command`,
      ),
    );
  }
  const labelsField = f.get("labels");
  const lm = new Field(
    listToMap("labels", labelsField.value),
    labelsField.path,
    labelsField.pos,
    ctx.warnings,
  );
  for (const [k, lf] of at(() => lm.entries(), [])) {
    at(() => svc.labels[k] = lf.isNull ? "" : lf.scalar(), "");
  }
  const ehField = f.get("extra_hosts");
  const em = new Field(
    listToMap("extra_hosts", ehField.value),
    ehField.path,
    ehField.pos,
    ctx.warnings,
  );
  for (const [k, hf] of at(() => em.entries(), [])) {
    at(() => {
      const ip = hf.isNull ? "" : hf.scalar();
      if (!/^[0-9.]+$|^[0-9a-fA-F:]+$|^\[[0-9a-fA-F:]+\]$/.test(ip)) {
        throw hf.error(`expected "HOST:IP" or HOST: IP, got address "${ip}"`);
      }
      svc.extraHosts[k] = ip.replace(/^\[|\]$/g, "");
    }, undefined);
  }
  at(() => checkDns(f, svc), undefined);
  const restart = f.get("restart");
  if (!restart.isNull) at(() => restartPolicy(restart), undefined);
  function restartPolicy(restart: Field): void {
    const r = restart.scalar();
    const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(r);
    if (!m || (m[2] !== undefined && m[1] !== "on-failure")) {
      throw restart.error(`expected no, always, on-failure[:N] or unless-stopped, got "${r}"`);
    }
    svc.restart = m[1] as ComposeRestart;
    if (m[2] !== undefined) svc.restartMaxRetries = Number(m[2]);
  }
  for (
    const [key, prop] of [["container_name", "containerName"], ["hostname", "hostname"], [
      "stop_signal",
      "stopSignal",
    ]] as const
  ) {
    const kf = f.get(key);
    if (!kf.isNull) at(() => svc[prop] = kf.string(), "");
  }
  if (svc.containerName !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(svc.containerName)) {
    ctx.errors.push(
      f.get("container_name").error(`"${svc.containerName}" is not a valid container name`),
    );
  }
  if (
    svc.hostname !== undefined &&
    !/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(svc.hostname)
  ) {
    ctx.errors.push(
      f.get("hostname").error(`"${svc.hostname}" is not a valid hostname (RFC 1123 label)`),
    );
  }
  if (svc.stopSignal !== undefined) {
    const sig = svc.stopSignal;
    at(() => svc.stopSignal = ok(f.get("stop_signal"), signalName(sig)), "");
  }
  const wd = f.get("working_dir");
  if (!wd.isNull) {
    at(() => {
      const w = wd.string();
      if (!w.startsWith("/")) throw wd.error(`working_dir "${w}" is not absolute`);
      svc.workingDir = w;
    }, undefined);
  }
  const user = f.get("user");
  // The user is looked up in the image: only when the image is valid.
  if (!user.isNull && image !== undefined) at(() => serviceUser(image, user), undefined);
  function serviceUser(image: string, user: Field): void {
    const file = (name: string): string | undefined => {
      try {
        return ctx.readTextFile(join(image, "rootfs", "etc", name));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    };
    const r = ok(user, resolveUser(user.scalar(), file("passwd"), file("group")));
    svc.user = { uid: r.uid, gid: r.gid };
    if (r.groups.length > 0) svc.user.groups = r.groups;
  }
  const hc = at(() => healthcheck(f.get("healthcheck"), ctx), undefined);
  if (hc) svc.healthcheck = hc;

  const c = at(() => cpus(f.get("cpus")), undefined);
  if (c !== undefined) svc.cpus = c;
  const ml = at(() => bytes(f.get("mem_limit")), undefined);
  if (ml !== undefined) svc.memLimit = ml;
  const mr = at(() => bytes(f.get("mem_reservation")), undefined);
  if (mr !== undefined) svc.memReservation = mr;
  const scale = f.get("scale");
  if (!scale.isNull) at(() => svc.replicas = scale.integer(0, 1000), 1);
  const deploy = f.get("deploy");
  if (!deploy.isNull) at(() => deployKeys(deploy), undefined);
  function deployKeys(deploy: Field): void {
    for (const [k, kf] of deploy.entries()) {
      if (k !== "resources" && k !== "replicas") {
        kf.warn(`deploy.${k} is not supported by rk8s, ignored`);
      }
    }
    if (!deploy.get("replicas").isNull) {
      svc.replicas = deploy.get("replicas").integer(0, 1000);
      svc.deployReplicas = true;
    }
    const res = deploy.get("resources");
    for (const [k, kf] of res.entries()) {
      if (k !== "limits" && k !== "reservations") {
        kf.warn(`deploy.resources.${k} is not supported, ignored`);
      }
    }
    for (
      const [group, cpuKey, memKey] of [["limits", "cpus", "memLimit"], [
        "reservations",
        "cpuReservation",
        "memReservation",
      ]] as const
    ) {
      const g = res.get(group);
      for (const [k, kf] of g.entries()) {
        if (k !== "cpus" && k !== "memory") {
          kf.warn(`deploy.resources.${group}.${k} is not supported, ignored`);
        }
      }
      const gc = at(() => cpus(g.get("cpus")), undefined);
      if (gc !== undefined) svc[cpuKey] = gc;
      const gm = at(() => bytes(g.get("memory")), undefined);
      if (gm !== undefined) svc[memKey] = gm;
    }
  }
  if (svc.containerName !== undefined && svc.replicas > 1) {
    ctx.errors.push(
      f.get("container_name").error(
        `service "${name}" has container_name and ${svc.replicas} replicas: a container name must be unique`,
      ),
    );
  }
  return svc;
}

/** Linux signal numbers 1–31 by name, for `stop_signal: 10` (docker takes numbers too). */
const SIGNAL_NUMBERS = [
  "HUP",
  "INT",
  "QUIT",
  "ILL",
  "TRAP",
  "ABRT",
  "BUS",
  "FPE",
  "KILL",
  "USR1",
  "SEGV",
  "USR2",
  "PIPE",
  "ALRM",
  "TERM",
  "STKFLT",
  "CHLD",
  "CONT",
  "STOP",
  "TSTP",
  "TTIN",
  "TTOU",
  "URG",
  "XCPU",
  "XFSZ",
  "VTALRM",
  "PROF",
  "WINCH",
  "IO",
  "PWR",
  "SYS",
];

/**
 * A `stop_signal` as the signal name Kubernetes' `lifecycle.stopSignal` takes: `SIGUSR1`,
 * `USR1` and `10` all give `SIGUSR1` (docker accepts the three forms).
 *
 * @example
 * ```ts
 * import { signalName } from "./normalize.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(signalName("usr1"), { ok: true, value: "SIGUSR1" });
 * assert.deepEqual(signalName("15"), { ok: true, value: "SIGTERM" });
 * assert.equal(signalName("SIGNOPE").ok, false);
 * ```
 */
export function signalName(raw: string): Parsed<string> {
  const s = raw.trim().toUpperCase();
  const name = /^\d+$/.test(s)
    ? (SIGNAL_NUMBERS[Number(s) - 1] !== undefined ? `SIG${SIGNAL_NUMBERS[Number(s) - 1]}` : "")
    : s.startsWith("SIG")
    ? s
    : `SIG${s}`;
  return LINUX_STOP_SIGNALS.includes(name) ? { ok: true, value: name } : {
    ok: false,
    reason:
      `invalid stop_signal "${raw}" (expected a signal name such as SIGTERM, SIGUSR1, or a number from 1 to 31)`,
  };
}

const IPV4_ADDRESS = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * `dns`, `dns_search`, `dns_opt`: addresses, domains and options checked here (with the compose
 * file's line) rather than later in the translated pod. At most 3 servers, Kubernetes' limit.
 */
function checkDns(f: Field, svc: ComposeService): void {
  if (svc.dns.length > 3) {
    throw f.get("dns").error(
      `at most 3 dns servers are supported (Kubernetes' dnsConfig limit), got ${svc.dns.length}`,
    );
  }
  for (const ip of svc.dns) {
    if (!IPV4_ADDRESS.test(ip) && !/^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/.test(ip)) {
      throw f.get("dns").error(`dns server "${ip}" is not an IP address`);
    }
  }
  const search = f.get("dns_search").stringOrList();
  for (const d of search) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/.test(d)) {
      throw f.get("dns_search").error(`dns_search domain "${d}" is not a valid DNS name`);
    }
  }
  if (search.length > 0) svc.dnsSearch = search;
  const opts = f.get("dns_opt").stringOrList();
  for (const o of opts) {
    if (!/^[A-Za-z0-9_-]+(:\S+)?$/.test(o)) {
      throw f.get("dns_opt").error(`dns_opt "${o}" is not a resolv.conf option (e.g. "ndots:2")`);
    }
  }
  if (opts.length > 0) svc.dnsOptions = opts;
}

function fileRefs(f: Field, kind: "config" | "secret", ctx: Ctx): ServiceFileRef[] {
  return f.items().flatMap((r) => attempt(ctx, () => [fileRef(r, kind)], []));
}

function fileRef(r: Field, kind: "config" | "secret"): ServiceFileRef {
  {
    if (!r.isMap) {
      const source = r.string();
      return { source, target: kind === "secret" ? `/run/secrets/${source}` : `/${source}` };
    }
    for (const [k, kf] of r.entries()) {
      if (!["source", "target", "uid", "gid", "mode"].includes(k)) {
        kf.warn(`${kind} key "${k}" is not supported, ignored`);
      }
    }
    const source = r.get("source").string();
    let target = r.get("target").isNull
      ? (kind === "secret" ? source : `/${source}`)
      : r.get("target").string();
    if (kind === "secret" && !target.startsWith("/")) target = `/run/secrets/${target}`;
    if (!target.startsWith("/")) {
      throw r.get("target").error(`the target "${target}" is not absolute`);
    }
    return { source, target };
  }
}

function healthcheck(f: Field, ctx: Ctx): ServiceHealthcheck | undefined {
  if (f.isNull) return undefined;
  f.map();
  for (const [k, kf] of f.entries()) {
    if (
      !["test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"]
        .includes(k)
    ) {
      kf.warn(`healthcheck key "${k}" is not supported, ignored`);
    }
  }
  if (!f.get("disable").isNull && f.get("disable").boolean()) return undefined;
  const t = f.get("test");
  if (t.isNull) throw t.error("a healthcheck needs test (or disable: true)");
  let test: string[];
  if (Array.isArray(t.value)) {
    const items = t.items().map((i) => i.scalar());
    const [kind, ...rest] = items;
    if (kind === "NONE") return undefined;
    if (kind === "CMD") test = rest;
    else if (kind === "CMD-SHELL") {
      if (rest.length !== 1) throw t.error("CMD-SHELL takes exactly one command string");
      test = ["/bin/sh", "-c", rest[0]!];
    } else throw t.error(`the first item must be "CMD", "CMD-SHELL" or "NONE", got "${kind}"`);
    if (test.length === 0) throw t.error("the healthcheck command is empty");
  } else {
    const s = t.string();
    if (s === "NONE") return undefined;
    test = ["/bin/sh", "-c", s];
  }
  const ms = (key: string, fallback: number) =>
    attempt(ctx, () => durationMs(f.get(key), fallback), fallback);
  return {
    test,
    intervalMs: ms("interval", 30_000),
    timeoutMs: ms("timeout", 30_000),
    retries: attempt(
      ctx,
      () => f.get("retries").isNull ? 3 : f.get("retries").integer(0, 1_000_000),
      3,
    ),
    startPeriodMs: ms("start_period", 0),
    startIntervalMs: ms("start_interval", 5_000),
  };
}

/** The position of a tree's root, for errors about a whole file. */
export function filePosition(file: string): SourcePosition {
  return { file, line: 0, column: 0 };
}
