/**
 * Published ports: validation, conflicts between rkl attachments, and whether a host port is
 * already taken by a listening socket (read from `/proc/net/{tcp,udp}{,6}`).
 *
 * @module
 */
import type { PortMapping } from "../core/network.ts";
import { ConflictError, RkError } from "../core/errors.ts";
import type { CniPortMapping } from "./cni_types.ts";
import { run } from "../core/exec.ts";

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * True for a dotted-quad IPv4 address.
 *
 * @example
 * ```ts
 * import { isIpv4 } from "./ports.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isIpv4("127.0.0.1"));
 * assert.ok(!isIpv4("300.1.1.1"));
 * ```
 */
export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** Formats a mapping for messages: `127.0.0.1:8080/tcp`. */
export function formatHostPort(m: CniPortMapping): string {
  return `${m.hostIP && m.hostIP !== "0.0.0.0" ? m.hostIP : "*"}:${m.hostPort}/${m.protocol}`;
}

/**
 * Validates ports and returns the published ones in the form the portmap plugin expects.
 * Invalid values throw an {@linkcode RkError} naming the port.
 *
 * @example
 * ```ts
 * import { publishedPorts } from "./ports.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   publishedPorts([{ containerPort: 80, hostPort: 8080, protocol: "TCP" }, { containerPort: 81, protocol: "TCP" }]),
 *   [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
 * );
 * ```
 */
export function publishedPorts(ports: readonly PortMapping[]): CniPortMapping[] {
  const out: CniPortMapping[] = [];
  for (const [i, p] of ports.entries()) {
    const where = `ports[${i}]`;
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
      throw new RkError(`${where}.containerPort must be 1-65535, got ${p.containerPort}`);
    }
    if (!["TCP", "UDP", "SCTP"].includes(p.protocol)) {
      throw new RkError(`${where}.protocol must be TCP, UDP or SCTP, got "${p.protocol}"`);
    }
    if (p.hostPort === undefined) {
      if (p.hostIP !== undefined) {
        throw new RkError(`${where}.hostIP "${p.hostIP}" needs a hostPort`);
      }
      continue;
    }
    if (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535) {
      throw new RkError(`${where}.hostPort must be 1-65535, got ${p.hostPort}`);
    }
    if (p.hostIP !== undefined && !isIpv4(p.hostIP)) {
      throw new RkError(`${where}.hostIP must be an IPv4 address, got "${p.hostIP}"`);
    }
    out.push({
      hostPort: p.hostPort,
      containerPort: p.containerPort,
      protocol: p.protocol.toLowerCase() as CniPortMapping["protocol"],
      ...(p.hostIP && p.hostIP !== "0.0.0.0" ? { hostIP: p.hostIP } : {}),
    });
  }
  return out;
}

function overlaps(a: CniPortMapping, b: CniPortMapping): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  return a.hostIP === undefined || b.hostIP === undefined || a.hostIP === b.hostIP;
}

/** A requested host port that is already published. */
export interface PortConflict {
  /** The requested mapping. */
  port: CniPortMapping;
  /** Sandbox id holding it (empty when the request itself lists it twice). */
  heldBy: string;
}

/**
 * Finds requested mappings that clash with each other or with existing attachments'.
 *
 * @example
 * ```ts
 * import { findPortConflicts } from "./ports.ts";
 * import assert from "node:assert/strict";
 * const web = { hostPort: 8080, containerPort: 80, protocol: "tcp" as const };
 * assert.equal(findPortConflicts([web], [{ id: "a", ports: [web] }])[0]?.heldBy, "a");
 * assert.equal(findPortConflicts([{ ...web, protocol: "udp" }], [{ id: "a", ports: [web] }]).length, 0);
 * ```
 */
export function findPortConflicts(
  requested: readonly CniPortMapping[],
  existing: readonly { id: string; ports: readonly CniPortMapping[] }[],
): PortConflict[] {
  const out: PortConflict[] = [];
  requested.forEach((p, i) => {
    if (requested.slice(0, i).some((q) => overlaps(p, q))) out.push({ port: p, heldBy: "" });
    for (const e of existing) {
      if (e.ports.some((q) => overlaps(p, q))) out.push({ port: p, heldBy: e.id });
    }
  });
  return out;
}

/** A socket bound on the host, from `/proc/net/*`. */
export interface BoundSocket {
  /** `tcp` or `udp`. */
  protocol: "tcp" | "udp";
  /** Local address (IPv4 dotted quad, or `::`-style for IPv6 shown as hex). */
  ip: string;
  /** Local port. */
  port: number;
}

function hexToIpv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
}

/**
 * Parses `/proc/net/tcp`, `tcp6`, `udp` or `udp6`. TCP sockets count when listening; UDP
 * sockets count when bound.
 *
 * @example
 * ```ts
 * import { parseProcNet } from "./ports.ts";
 * import assert from "node:assert/strict";
 * const text = "  sl  local_address rem_address   st\n" +
 *   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n" +
 *   "   1: 0100007F:1F91 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n";
 * assert.deepEqual(parseProcNet(text, "tcp"), [{ protocol: "tcp", ip: "127.0.0.1", port: 8080 }]);
 * ```
 */
export function parseProcNet(text: string, protocol: "tcp" | "udp"): BoundSocket[] {
  const out: BoundSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    const state = cols[3];
    if (!local || !state) continue;
    if (protocol === "tcp" && state !== "0A") continue;
    const [ipHex, portHex] = local.split(":");
    if (!ipHex || !portHex) continue;
    const ip = ipHex.length === 8 ? hexToIpv4(ipHex) : (/^0+$/.test(ipHex) ? "::" : ipHex);
    out.push({ protocol, ip, port: parseInt(portHex, 16) });
  }
  return out;
}

/**
 * Reads the host's bound TCP listeners and UDP sockets (in rkl's own network namespace).
 *
 * @example
 * ```ts
 * import { hostBoundSockets } from "./ports.ts";
 * import assert from "node:assert/strict";
 * using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = (listener.addr as Deno.NetAddr).port;
 * assert.ok((await hostBoundSockets()).some((s) => s.protocol === "tcp" && s.port === port));
 * ```
 */
export async function hostBoundSockets(procNet = "/proc/net"): Promise<BoundSocket[]> {
  const out: BoundSocket[] = [];
  const files = [["tcp", "tcp"], ["tcp6", "tcp"], ["udp", "udp"], ["udp6", "udp"]] as const;
  for (const [file, proto] of files) {
    // Read through cat: Deno refuses /proc/self/* (which /proc/net links to) without --allow-all.
    const r = await run(["cat", `${procNet}/${file}`], { allowFailure: true });
    if (r.code !== 0) continue; // e.g. IPv6 disabled
    out.push(...parseProcNet(r.stdout, proto));
  }
  return out;
}

/**
 * Throws a {@linkcode ConflictError} naming the first requested port that an rkl attachment
 * already publishes or that a host socket already uses.
 *
 * @example
 * ```ts
 * import { assertPortsFree } from "./ports.ts";
 * import assert from "node:assert/strict";
 * const web = { hostPort: 8080, containerPort: 80, protocol: "tcp" as const };
 * assert.throws(
 *   () => assertPortsFree([web], [], [{ protocol: "tcp", ip: "0.0.0.0", port: 8080 }]),
 *   /Host port \*:8080\/tcp is already in use on the host/,
 * );
 * ```
 */
export function assertPortsFree(
  requested: readonly CniPortMapping[],
  existing: readonly { id: string; name?: string; ports: readonly CniPortMapping[] }[],
  sockets: readonly BoundSocket[],
): void {
  const conflict = findPortConflicts(requested, existing)[0];
  if (conflict) {
    if (conflict.heldBy === "") {
      throw new ConflictError(`Host port ${formatHostPort(conflict.port)} is published twice`);
    }
    const holder = existing.find((e) => e.id === conflict.heldBy);
    throw new ConflictError(
      `Host port ${formatHostPort(conflict.port)} is already published by "${
        holder?.name ?? conflict.heldBy
      }"`,
    );
  }
  for (const p of requested) {
    if (p.protocol === "sctp") continue;
    const taken = sockets.find((s) =>
      s.protocol === p.protocol && s.port === p.hostPort &&
      (p.hostIP === undefined || s.ip === p.hostIP || s.ip === "0.0.0.0" || s.ip === "::")
    );
    if (taken) {
      throw new ConflictError(
        `Host port ${formatHostPort(p)} is already in use on the host (bound on ${taken.ip})`,
      );
    }
  }
}

/** A host port that the portmap plugin forwards (from the `CNI-HOSTPORT-DNAT` chain). */
export interface ForwardedPort {
  /** `tcp`, `udp` or `sctp`. */
  protocol: string;
  /** Host port. */
  port: number;
  /** CNI container id from the rule's comment, when present. */
  id?: string;
}

/**
 * Parses `iptables -t nat -S CNI-HOSTPORT-DNAT`: the host ports that any CNI runtime on this
 * host (another rkl root, podman, ...) already forwards.
 *
 * @example
 * ```ts
 * import { parseHostportDnat } from "./ports.ts";
 * import assert from "node:assert/strict";
 * const line = '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"n\\" id: \\"abc\\"" -m multiport --dports 8080,9000:9001 -j CNI-DN-x';
 * assert.deepEqual(parseHostportDnat(line), [
 *   { protocol: "tcp", port: 8080, id: "abc" },
 *   { protocol: "tcp", port: 9000, id: "abc" },
 *   { protocol: "tcp", port: 9001, id: "abc" },
 * ]);
 * ```
 */
export function parseHostportDnat(text: string): ForwardedPort[] {
  const out: ForwardedPort[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("-A ")) continue;
    const proto = / -p (\w+)/.exec(line)?.[1];
    const ports = / --dports? ([0-9,:]+)/.exec(line)?.[1];
    if (!proto || !ports) continue;
    const id = /id: \\"([^"\\]+)\\"/.exec(line)?.[1];
    for (const part of ports.split(",")) {
      const [a, b] = part.split(":").map(Number);
      if (a === undefined || !Number.isInteger(a)) continue;
      const hi = b !== undefined && Number.isInteger(b) ? Math.min(b, a + 1024) : a;
      for (let p = a; p <= hi; p++) out.push({ protocol: proto, port: p, ...(id ? { id } : {}) });
    }
  }
  return out;
}
