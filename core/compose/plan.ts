/**
 * Planning a Compose project: the dependency order (levels of services that can start in
 * parallel), cycle detection, pod names and the config hash that decides what a second `up`
 * recreates. Pure.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import type { ComposeModel, ComposeService } from "./compose_model.ts";

/**
 * A dependency cycle between services (`a → b → a`).
 *
 * @example
 * ```ts
 * import { DependencyCycleError } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.match(new DependencyCycleError(["a", "b", "a"]).message, /a → b → a/);
 * ```
 */
export class DependencyCycleError extends RkError {
  /** The services of the cycle, the first repeated at the end. */
  readonly cycle: string[];
  /** Creates the error. */
  constructor(cycle: string[]) {
    super(`dependency cycle between services: ${cycle.join(" → ")}`);
    this.name = "DependencyCycleError";
    this.cycle = cycle;
  }
}

/**
 * Orders services by `depends_on`: each level holds services whose dependencies are all in
 * earlier levels (they may start in parallel); names are sorted within a level. Dependencies on
 * services not in `services` are ignored (callers validate them). Throws
 * {@linkcode DependencyCycleError}.
 *
 * @example
 * ```ts
 * import { dependencyLevels } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const s = (...deps: string[]) => ({ dependsOn: Object.fromEntries(deps.map((d) => [d, {}])) });
 * assert.deepEqual(dependencyLevels({ web: s("db", "cache"), db: s(), cache: s() }), [["cache", "db"], ["web"]]);
 * assert.throws(() => dependencyLevels({ a: s("b"), b: s("a") }), /a → b → a/);
 * ```
 */
export function dependencyLevels(
  services: Readonly<Record<string, { dependsOn: Readonly<Record<string, unknown>> }>>,
): string[][] {
  const names = Object.keys(services).sort();
  const deps = (n: string) => Object.keys(services[n]!.dependsOn).filter((d) => d in services);
  // Cycle detection with the path, for a message that names the loop.
  const state = new Map<string, "visiting" | "done">();
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === "done") return;
    if (state.get(n) === "visiting") {
      throw new DependencyCycleError([...path.slice(path.indexOf(n)), n]);
    }
    state.set(n, "visiting");
    for (const d of deps(n).sort()) visit(d, [...path, n]);
    state.set(n, "done");
  };
  for (const n of names) visit(n, []);
  const level = new Map<string, number>();
  const depth = (n: string): number => {
    const known = level.get(n);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...deps(n).map(depth)) + 1;
    level.set(n, d);
    return d;
  };
  const out: string[][] = [];
  for (const n of names) (out[depth(n)] ??= []).push(n);
  return out;
}

/**
 * The services to act on for `up SERVICE...`: the named ones plus, unless `noDeps`, everything
 * they depend on (transitively). All services when `selected` is empty.
 *
 * @example
 * ```ts
 * import { selectServices } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const s = (...deps: string[]) => ({ dependsOn: Object.fromEntries(deps.map((d) => [d, {}])) });
 * const all = { web: s("api"), api: s("db"), db: s(), other: s() };
 * assert.deepEqual(selectServices(all, ["web"], false), ["api", "db", "web"]);
 * assert.deepEqual(selectServices(all, ["web"], true), ["web"]);
 * ```
 */
export function selectServices(
  services: Readonly<Record<string, { dependsOn: Readonly<Record<string, unknown>> }>>,
  selected: readonly string[],
  noDeps: boolean,
): string[] {
  if (selected.length === 0) return Object.keys(services).sort();
  const out = new Set<string>();
  const add = (n: string) => {
    if (out.has(n)) return;
    const s = services[n];
    if (!s) throw new RkError(`no such service: ${n}`);
    out.add(n);
    if (!noDeps) { for (const d of Object.keys(s.dependsOn)) if (d in services) add(d); }
  };
  for (const n of selected) add(n);
  return [...out].sort();
}

/**
 * Turns a compose name into a DNS-1123 name: lower case, characters other than `a-z`, `0-9`,
 * `-` and `.` become `-`, trimmed to `max` characters.
 *
 * @example
 * ```ts
 * import { dnsName } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dnsName("My_App"), "my-app");
 * ```
 */
export function dnsName(name: string, max = 63, dots = false): string {
  const re = dots ? /[^a-z0-9.-]/g : /[^a-z0-9-]/g;
  return name.toLowerCase().replace(re, "-").slice(0, max).replace(/^[-.]+|[-.]+$/g, "") || "x";
}

/**
 * The pod name of a service replica: its `container_name`, else `PROJECT-SERVICE-N` (as docker
 * compose names containers), made a valid DNS-1123 subdomain.
 *
 * @example
 * ```ts
 * import { podNameOf } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(podNameOf("app", { name: "web" }, 1), "app-web-1");
 * assert.equal(podNameOf("app", { name: "web", containerName: "Front_1" }, 1), "front-1");
 * ```
 */
export function podNameOf(
  project: string,
  svc: Pick<ComposeService, "name" | "containerName">,
  replica: number,
): string {
  return dnsName(svc.containerName ?? `${project}-${svc.name}-${replica}`, 253, true);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * The config hash of a service: SHA-256 (hex) of its normalized config without the replica count,
 * together with the definitions of the networks and volumes it uses and the sources of its
 * configs and secrets (`extra` may add their contents). Equal configs give equal hashes whatever
 * the key order.
 *
 * @example
 * ```ts
 * import { serviceConfigHash } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const model = { networks: {}, volumes: {}, configs: {}, secrets: {} };
 * const a = await serviceConfigHash(model, { image: "/i", replicas: 1, environment: { A: "1", B: "2" } });
 * const b = await serviceConfigHash(model, { environment: { B: "2", A: "1" }, replicas: 3, image: "/i" });
 * assert.equal(a, b);
 * assert.notEqual(a, await serviceConfigHash(model, { image: "/j", replicas: 1, environment: {} }));
 * ```
 */
export async function serviceConfigHash(
  model: Pick<ComposeModel, "networks" | "volumes" | "configs" | "secrets">,
  svc: Partial<ComposeService>,
  extra: Record<string, string> = {},
): Promise<string> {
  const { replicas: _r, deployReplicas: _d, profiles: _p, ...config } = svc;
  const nets = Object.keys(svc.networks ?? {}).map((n) => model.networks[n]);
  const vols = (svc.volumes ?? []).flatMap((v) =>
    v.type === "volume" && v.source !== undefined ? [model.volumes[v.source]] : []
  );
  const files = [
    ...(svc.configs ?? []).map((c) => model.configs[c.source]),
    ...(svc.secrets ?? []).map((s) => model.secrets[s.source]),
  ];
  const text = JSON.stringify(canonical({ config, nets, vols, files, extra }));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The services `restart SERVICE...` acts on, in dependency order: the named ones (all when none
 * is named) plus, unless `noDeps`, the services that depend on them with `restart: true`,
 * transitively — docker compose drops the other `depends_on` edges for a restart, then includes
 * dependents. Each level may restart in parallel once the previous one has.
 *
 * @example
 * ```ts
 * import { restartLevels } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const on = (restart: boolean) => ({ restart });
 * const services = {
 *   db: { dependsOn: {} },
 *   api: { dependsOn: { db: on(true) } },
 *   web: { dependsOn: { api: on(true) } },
 *   job: { dependsOn: { db: on(false) } },
 * };
 * assert.deepEqual(restartLevels(services, ["db"], false), [["db"], ["api"], ["web"]]);
 * assert.deepEqual(restartLevels(services, ["db"], true), [["db"]]);
 * ```
 */
export function restartLevels(
  services: Readonly<Record<string, { dependsOn: Readonly<Record<string, { restart: boolean }>> }>>,
  selected: readonly string[],
  noDeps: boolean,
): string[][] {
  // Only the restart edges matter (compose's restart.go drops the others).
  const edges: Record<string, { dependsOn: Record<string, unknown> }> = {};
  for (const [name, s] of Object.entries(services)) {
    edges[name] = {
      dependsOn: Object.fromEntries(Object.entries(s.dependsOn).filter(([, d]) => d.restart)),
    };
  }
  const chosen = new Set(selected.length === 0 ? Object.keys(services) : selected);
  for (const n of chosen) if (!services[n]) throw new RkError(`no such service: ${n}`);
  if (!noDeps) {
    for (let grew = true; grew;) {
      grew = false;
      for (const [name, s] of Object.entries(edges)) {
        if (chosen.has(name)) continue;
        if (Object.keys(s.dependsOn).some((d) => chosen.has(d))) {
          chosen.add(name);
          grew = true;
        }
      }
    }
  }
  const sub = Object.fromEntries([...chosen].map((n) => [n, edges[n]!]));
  return dependencyLevels(sub);
}
