/**
 * `serviceEnvVars`: the environment variables the kubelet gives every container for the
 * Services it can see (`getServiceEnvVarMap` in `pkg/kubelet/kubelet_pods.go` and
 * `FromServices` in `pkg/kubelet/envvars`): for each Service with a cluster IP,
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` (the first port), `<NAME>_SERVICE_PORT_<PORTNAME>`
 * per named port, and the Docker link variables `<NAME>_PORT` (first port) and
 * `<NAME>_PORT_<port>_<PROTO>`, `…_PROTO`, `…_PORT`, `…_ADDR` per port. `<NAME>` is the Service
 * name upper-cased with `-` turned into `_`.
 *
 * The Services are those of the pod's namespace when `enableServiceLinks` is true (its
 * default), and always `default/kubernetes` (the master service). Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** One variable. */
export interface EnvPair {
  /** Name. */
  name: string;
  /** Value. */
  value: string;
}

type Obj = Record<string, unknown>;

function envName(s: string): string {
  return s.replaceAll("-", "_").toUpperCase();
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The variables of one Service (the kubelet's `FromServices` for one entry). */
function varsOf(name: string, ip: string, ports: readonly Obj[]): EnvPair[] {
  const prefix = envName(name);
  const out: EnvPair[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  const first = ports[0];
  if (first !== undefined) {
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
  }
  for (const p of ports) {
    if (typeof p.name === "string" && p.name !== "") {
      out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    }
  }
  ports.forEach((p, i) => {
    const proto = typeof p.protocol === "string" && p.protocol ? p.protocol : "TCP";
    const port = Number(p.port);
    const url = `${proto.toLowerCase()}://${joinHostPort(ip, port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${port}_${proto.toUpperCase()}`;
    out.push(
      { name: pp, value: url },
      { name: `${pp}_PROTO`, value: proto.toLowerCase() },
      { name: `${pp}_PORT`, value: String(port) },
      { name: `${pp}_ADDR`, value: ip },
    );
  });
  return out;
}

/**
 * The service environment of a pod in `namespace` (see the module doc), Services sorted by
 * name. Services without a cluster IP (headless, `None`, or not yet allocated) give nothing.
 *
 * @example
 * ```ts
 * import { serviceEnvVars } from "./service_env.ts";
 * import assert from "node:assert/strict";
 * const svc = (ns: string, name: string, ip: string) => ({
 *   metadata: { namespace: ns, name },
 *   spec: { clusterIP: ip, ports: [{ name: "http", port: 80, protocol: "TCP" }] },
 * });
 * const env = serviceEnvVars([svc("default", "kubernetes", "10.96.0.1"), svc("shop", "my-web", "10.96.0.9")], "shop", true);
 * const m = new Map(env.map((e) => [e.name, e.value]));
 * assert.equal(m.get("MY_WEB_SERVICE_HOST"), "10.96.0.9");
 * assert.equal(m.get("MY_WEB_SERVICE_PORT_HTTP"), "80");
 * assert.equal(m.get("MY_WEB_PORT_80_TCP_ADDR"), "10.96.0.9");
 * assert.equal(m.get("KUBERNETES_PORT"), "tcp://10.96.0.1:80");
 * assert.equal(serviceEnvVars([svc("shop", "my-web", "10.96.0.9")], "shop", false).length, 0);
 * ```
 */
export function serviceEnvVars(
  services: readonly unknown[],
  namespace: string,
  enableServiceLinks: boolean,
): EnvPair[] {
  const chosen = new Map<string, { ip: string; ports: Obj[] }>();
  let master: { ip: string; ports: Obj[] } | undefined;
  for (const s of services) {
    if (!isRecord(s) || !isRecord(s.metadata) || !isRecord(s.spec)) continue;
    const ip = s.spec.clusterIP;
    if (typeof ip !== "string" || ip === "" || ip === "None") continue;
    const name = String(s.metadata.name);
    const ns = typeof s.metadata.namespace === "string" ? s.metadata.namespace : "default";
    const ports = Array.isArray(s.spec.ports) ? s.spec.ports.filter(isRecord) : [];
    if (ns === "default" && name === "kubernetes") master = { ip, ports };
    if (ns === namespace && enableServiceLinks) chosen.set(name, { ip, ports });
  }
  // The master service is always there, even without service links.
  if (master && !chosen.has("kubernetes")) chosen.set("kubernetes", master);
  return [...chosen.keys()].sort().flatMap((name) => {
    const s = chosen.get(name)!;
    return varsOf(name, s.ip, s.ports);
  });
}
