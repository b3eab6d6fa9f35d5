/**
 * A pod's `/etc/resolv.conf` from `spec.dnsPolicy` and `spec.dnsConfig`, as the kubelet builds it
 * (pkg/kubelet/network/dns): with `None` only `dnsConfig` counts; with `Default` (and
 * `ClusterFirst`, which falls back to `Default` on a node without cluster DNS, as rk8s is) the
 * node's resolv.conf comes first and `dnsConfig` is appended (name servers and search domains
 * without duplicates; an option of the same name replaces the node's). Pure.
 *
 * @module
 */
import type { PodDnsConfig, PodManifest } from "./pod_types.ts";

/** The DNS part of a sandbox config (CRI `DNSConfig`, plus whether the node's file is the base). */
export interface SandboxDnsConfig {
  /** True with dnsPolicy `None`: the node's resolv.conf is not used at all. */
  replace: boolean;
  /** Name servers to add. */
  servers: string[];
  /** Search domains to add. */
  searches: string[];
  /** Options as resolv.conf spells them (`ndots:2`, `rotate`). */
  options: string[];
}

/**
 * The sandbox DNS config of a pod, or undefined when the pod uses the node's resolv.conf as it
 * is (no `dnsConfig`, policy other than `None`).
 *
 * @example
 * ```ts
 * import { sandboxDnsConfig } from "./pod_dns.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   sandboxDnsConfig({ dnsPolicy: "None", dnsConfig: { nameservers: ["192.0.2.53"], options: [{ name: "ndots", value: "2" }] } }),
 *   { replace: true, servers: ["192.0.2.53"], searches: [], options: ["ndots:2"] },
 * );
 * assert.equal(sandboxDnsConfig({ dnsPolicy: "ClusterFirst" }), undefined);
 * ```
 */
export function sandboxDnsConfig(
  pod: Pick<PodManifest, "dnsPolicy" | "dnsConfig">,
): SandboxDnsConfig | undefined {
  if (pod.dnsPolicy !== "None" && pod.dnsConfig === undefined) return undefined;
  const c: PodDnsConfig = pod.dnsConfig ?? {};
  return {
    replace: pod.dnsPolicy === "None",
    servers: [...c.nameservers ?? []],
    searches: [...c.searches ?? []],
    options: (c.options ?? []).map((o) => o.value !== undefined ? `${o.name}:${o.value}` : o.name),
  };
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * Renders the pod's resolv.conf: `base` (the node's file as the sandbox would get it) parsed,
 * then `dns` appended as the kubelet's `appendDNSConfig` does, or `dns` alone when it replaces.
 *
 * @example
 * ```ts
 * import { renderPodResolvConf } from "./pod_dns.ts";
 * import assert from "node:assert/strict";
 * const base = "nameserver 192.0.2.1\nsearch example.org\noptions ndots:1 edns0\n";
 * assert.equal(
 *   renderPodResolvConf(base, { replace: false, servers: ["192.0.2.1", "192.0.2.9"], searches: ["svc.local"], options: ["ndots:5"] }),
 *   "nameserver 192.0.2.1\nnameserver 192.0.2.9\nsearch example.org svc.local\noptions ndots:5 edns0\n",
 * );
 * assert.equal(
 *   renderPodResolvConf(base, { replace: true, servers: ["192.0.2.53"], searches: [], options: [] }),
 *   "nameserver 192.0.2.53\n",
 * );
 * ```
 */
export function renderPodResolvConf(base: string, dns: SandboxDnsConfig): string {
  const servers: string[] = [];
  const searches: string[] = [];
  const options: string[] = [];
  if (!dns.replace) {
    for (const raw of base.split("\n")) {
      const [key, ...values] = raw.trim().split(/\s+/);
      if (key === "nameserver" && values[0] !== undefined) servers.push(values[0]);
      // As in glibc, the last search (or domain) line wins.
      else if (key === "search" || key === "domain") searches.splice(0, searches.length, ...values);
      else if (key === "options") options.push(...values);
    }
  }
  const opts = new Map<string, string>();
  for (const o of [...options, ...dns.options]) {
    const i = o.indexOf(":");
    opts.set(i < 0 ? o : o.slice(0, i), i < 0 ? "" : o.slice(i + 1));
  }
  const lines = unique([...servers, ...dns.servers]).map((s) => `nameserver ${s}`);
  const search = unique([...searches, ...dns.searches]);
  if (search.length > 0) lines.push(`search ${search.join(" ")}`);
  if (opts.size > 0) {
    lines.push(`options ${[...opts].map(([k, v]) => v === "" ? k : `${k}:${v}`).join(" ")}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
