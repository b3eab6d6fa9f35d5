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
 * ```
 */
export function renderHosts(input: HostsInput): string {
  const names = [input.hostname, ...(input.aliases ?? []).filter((a) => a !== input.hostname)];
  const lines = [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
  ];
  if (input.ips.length === 0) lines.push(`127.0.1.1\t${names.join(" ")}`);
  for (const ip of input.ips) lines.push(`${ip}\t${names.join(" ")}`);
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
