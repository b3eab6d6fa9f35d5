/**
 * The name resolution files each sandbox gets: `/etc/hosts` with its own name (and extra
 * entries such as compose services) and `/etc/resolv.conf` derived from the host's.
 *
 * @module
 */

/** Inputs of {@linkcode renderHosts}. */
export interface HostsInput {
  /** Hostname of the sandbox. */
  hostname: string;
  /** Other names of the sandbox (container name when it differs). */
  aliases?: readonly string[];
  /** The sandbox's addresses; the hostname maps to each. Empty for host-network sandboxes. */
  ips: readonly string[];
  /** Extra entries, e.g. compose services. */
  extraHosts?: readonly { ip: string; names: readonly string[] }[];
  /**
   * The pod's DNS domain when it has a `spec.subdomain` (`subdomain.namespace.svc.cluster.local`):
   * each address line then starts with the FQDN `hostname.domain`, as the kubelet's managed hosts
   * file has it.
   */
  domain?: string;
}

/**
 * Renders `/etc/hosts`.
 *
 * @example
 * ```ts
 * import { renderHosts } from "./hosts_files.ts";
 * import assert from "node:assert/strict";
 * const text = renderHosts({ hostname: "web", ips: ["10.88.0.2"], extraHosts: [{ ip: "10.88.0.3", names: ["db"] }] });
 * assert.match(text, /^127\.0\.0\.1\tlocalhost$/m);
 * assert.match(text, /^10\.88\.0\.2\tweb$/m);
 * assert.match(text, /^10\.88\.0\.3\tdb$/m);
 * const pod = renderHosts({ hostname: "web-0", ips: ["10.88.0.4"], domain: "web.default.svc.cluster.local" });
 * assert.match(pod, /^10\.88\.0\.4\tweb-0\.web\.default\.svc\.cluster\.local\tweb-0$/m);
 * ```
 */
export function renderHosts(input: HostsInput): string {
  // The kubelet's managed hosts file: "IP\tFQDN\tHOSTNAME" when the pod has a subdomain.
  const short = input.domain !== undefined && input.hostname.endsWith(`.${input.domain}`)
    ? input.hostname.slice(0, -input.domain.length - 1)
    : input.hostname;
  const names = [short, ...(input.aliases ?? []).filter((a) => a !== short)];
  const first = input.domain !== undefined ? `${short}.${input.domain}\t` : "";
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
  ];
  if (input.ips.length === 0) lines.push(`127.0.1.1\t${first}${names.join(" ")}`);
  for (const ip of input.ips) lines.push(`${ip}\t${first}${names.join(" ")}`);
  for (const e of input.extraHosts ?? []) {
    if (e.names.length > 0) lines.push(`${e.ip}\t${e.names.join(" ")}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Derives a sandbox's `/etc/resolv.conf` from the host's: loopback name servers (such as a
 * local stub resolver) cannot be reached from another network namespace and are dropped;
 * `search` and `options` lines are kept.
 *
 * @example
 * ```ts
 * import { renderResolvConf } from "./hosts_files.ts";
 * import assert from "node:assert/strict";
 * const out = renderResolvConf("nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch example.org\n");
 * assert.equal(out, "nameserver 192.0.2.1\nsearch example.org\n");
 * ```
 */
export function renderResolvConf(hostText: string, keepLoopback = false): string {
  const out: string[] = [];
  for (const raw of hostText.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const [key, value] = line.split(/\s+/, 2);
    if (key === "nameserver" && value !== undefined) {
      const loopback = value.startsWith("127.") || value === "::1";
      if (loopback && !keepLoopback) continue;
      out.push(`nameserver ${value}`);
    } else if (key === "search" || key === "domain" || key === "options") {
      out.push(line);
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
}
