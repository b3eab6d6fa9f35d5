/**
 * IPv4 subnets: parsing CIDR notation, overlap tests, and reading the host's routes.
 *
 * @module
 */
import { RkError } from "../core/errors.ts";
import { isIpv4 } from "./ports.ts";
import { run } from "../core/exec.ts";

/** An IPv4 network. */
export interface Ipv4Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  /** Prefix length 0-32. */
  prefix: number;
}

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/** Formats an unsigned 32-bit number as a dotted quad. */
export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * Parses `a.b.c.d/n`; the address must be the network address.
 *
 * @example
 * ```ts
 * import { parseSubnet, formatSubnet } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSubnet(parseSubnet("10.88.0.0/16")), "10.88.0.0/16");
 * assert.throws(() => parseSubnet("10.88.0.1/16"), /network address/);
 * ```
 */
export function parseSubnet(cidr: string): Ipv4Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIpv4(m[1]!) || Number(m[2]) > 32) {
    throw new RkError(`Invalid subnet "${cidr}": expected IPv4 CIDR such as 10.88.0.0/16`);
  }
  const prefix = Number(m[2]);
  const base = ipToNumber(m[1]!);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if (((base & mask) >>> 0) !== base) {
    throw new RkError(
      `Invalid subnet "${cidr}": ${m[1]} is not the network address (use ${
        numberToIp((base & mask) >>> 0)
      }/${prefix})`,
    );
  }
  if (prefix > 30) {
    throw new RkError(`Subnet "${cidr}" is too small: use a prefix of /30 or shorter`);
  }
  return { base, prefix };
}

/**
 * Why `ip` cannot be asked for as a static address on `subnet` (host-local's rules: inside the
 * subnet, not the network or broadcast address, not the gateway `.1`), or undefined.
 *
 * @example
 * ```ts
 * import { parseSubnet, staticAddressProblem } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * const s = parseSubnet("172.28.0.0/16");
 * assert.equal(staticAddressProblem("172.28.5.9", s), undefined);
 * assert.match(staticAddressProblem("10.0.0.5", s) ?? "", /not in the subnet 172\.28\.0\.0\/16/);
 * assert.match(staticAddressProblem("172.28.0.1", s) ?? "", /gateway/);
 * ```
 */
export function staticAddressProblem(ip: string, subnet: Ipv4Subnet): string | undefined {
  if (!isIpv4(ip)) return `"${ip}" is not an IPv4 address`;
  const n = ipToNumber(ip);
  const size = 2 ** (32 - subnet.prefix);
  const cidr = formatSubnet(subnet);
  if (n < subnet.base || n >= subnet.base + size) return `${ip} is not in the subnet ${cidr}`;
  if (n === subnet.base) return `${ip} is the network address of ${cidr}`;
  if (n === subnet.base + size - 1) return `${ip} is the broadcast address of ${cidr}`;
  if (n === subnet.base + 1) return `${ip} is the gateway of ${cidr}`;
  return undefined;
}

/** Formats a subnet as CIDR. */
export function formatSubnet(s: Ipv4Subnet): string {
  return `${numberToIp(s.base)}/${s.prefix}`;
}

/**
 * True when two subnets share an address.
 *
 * @example
 * ```ts
 * import { parseSubnet, subnetsOverlap } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * assert.ok(subnetsOverlap(parseSubnet("10.0.0.0/8"), parseSubnet("10.1.2.0/24")));
 * assert.ok(!subnetsOverlap(parseSubnet("10.1.3.0/24"), parseSubnet("10.1.2.0/24")));
 * ```
 */
export function subnetsOverlap(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

/**
 * Parses `ip -4 route show` into the destination subnets of the host's routes (the default
 * route excluded; a single address is a /32).
 *
 * @example
 * ```ts
 * import { parseIpRoutes, formatSubnet } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * const text = "default via 10.0.0.1 dev eth0\n10.77.0.0/16 dev rkl0 proto kernel scope link src 10.77.0.1\n";
 * assert.deepEqual(parseIpRoutes(text).map((r) => [r.iface, formatSubnet(r.subnet)]), [["rkl0", "10.77.0.0/16"]]);
 * ```
 */
export function parseIpRoutes(text: string): { iface: string; subnet: Ipv4Subnet }[] {
  const out: { iface: string; subnet: Ipv4Subnet }[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    const [first] = words;
    // Route types (unicast, local, broadcast, ...) may precede the destination.
    const dst = first && /^\d/.test(first) ? first : words[1];
    if (!dst || !/^\d/.test(dst)) continue;
    const [ip, len] = dst.split("/");
    if (!ip || !isIpv4(ip)) continue;
    const prefix = len === undefined ? 32 : Number(len);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const devAt = words.indexOf("dev");
    const dev = devAt >= 0 ? words[devAt + 1] ?? "" : "";
    out.push({ iface: dev, subnet: { base: (ipToNumber(ip) & mask) >>> 0, prefix } });
  }
  return out;
}

/**
 * Reads the host's IPv4 routes (`ip -4 route show`).
 *
 * @example
 * ```ts
 * import { hostRoutes } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * for (const r of await hostRoutes()) assert.ok(r.iface.length > 0); // e.g. eth0 10.0.2.0/24
 * ```
 */
export async function hostRoutes(): Promise<{ iface: string; subnet: Ipv4Subnet }[]> {
  return parseIpRoutes((await run(["ip", "-4", "route", "show"])).stdout);
}

/**
 * Names of the host's network devices (`ip -o link show`).
 *
 * @example
 * ```ts
 * import { hostLinkNames } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * assert.ok((await hostLinkNames()).includes("lo"));
 * ```
 */
export async function hostLinkNames(): Promise<string[]> {
  const r = await run(["ip", "-o", "link", "show"]);
  return r.stdout.split("\n").map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string =>
    n !== undefined
  ).sort();
}

/** True when a network device called `name` exists on the host. */
export async function linkExists(name: string): Promise<boolean> {
  const r = await run(["ip", "-o", "link", "show", "dev", name], { allowFailure: true });
  return r.code === 0;
}

const utf8 = new TextEncoder();

/**
 * FNV-1a hash of a string (32 bits), used to derive stable names and subnets.
 *
 * @example
 * ```ts
 * import { fnv1a } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fnv1a("a"), 0xe40c292c); // the FNV-1a test vector: derived names never change
 * assert.notEqual(fnv1a("a"), fnv1a("b"));
 * ```
 */
export function fnv1a(s: string): number {
  const bytes = utf8.encode(s);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
