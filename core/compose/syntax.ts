/**
 * The Compose Specification's short syntaxes: durations (`1m30s`), byte sizes (`512m`), ports
 * (`"127.0.0.1:8080-8081:80-81/udp"`) and volumes (`./data:/app:ro`). Pure functions that
 * return a reason string on bad input (callers position the error) or throw `TypeError`-free
 * results.
 *
 * @module
 */

/** Parse result: the value, or the reason it is invalid. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Compose duration (Go `time.ParseDuration` syntax: `10s`, `1m30s`, `1.5h`, `500ms`,
 * `0`) into milliseconds. A plain number counts as seconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./syntax.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseDuration("1m30s"), { ok: true, value: 90_000 });
 * assert.equal(parseDuration("10 apples").ok, false);
 * ```
 */
export function parseDuration(input: string | number): Parsed<number> {
  if (typeof input === "number") {
    return Number.isFinite(input) && input >= 0
      ? { ok: true, value: input * 1000 }
      : { ok: false, reason: `invalid duration ${input}` };
  }
  const s = input.trim();
  if (s === "0") return { ok: true, value: 0 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  if (s === "") return { ok: false, reason: `invalid duration "${input}"` };
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      return {
        ok: false,
        reason:
          `invalid duration "${input}" (expected e.g. "10s", "1m30s", "500ms"; units ns, us, ms, s, m, h)`,
      };
    }
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return { ok: true, value: total };
}

/**
 * Parses a Compose byte size (`2b`, `1024kb`, `2048k`, `300m`, `1gb`, or a plain number of
 * bytes) into bytes; units are powers of 1024, any case.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./syntax.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseByteSize("512m"), { ok: true, value: 512 * 1024 * 1024 });
 * assert.deepEqual(parseByteSize(100), { ok: true, value: 100 });
 * assert.equal(parseByteSize("1x").ok, false);
 * ```
 */
export function parseByteSize(input: string | number): Parsed<number> {
  if (typeof input === "number") {
    return Number.isInteger(input) && input >= 0
      ? { ok: true, value: input }
      : { ok: false, reason: `invalid byte size ${input}` };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(input);
  if (!m) {
    return {
      ok: false,
      reason: `invalid byte size "${input}" (expected e.g. "512m", "1g", "2048k", "100b")`,
    };
  }
  const pow = { "": 0, b: 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase()] ?? 0;
  return { ok: true, value: Math.round(Number(m[1]) * 1024 ** pow) };
}

/** One published or exposed port, normalized (ranges expanded to one entry per port). */
export interface ServicePort {
  /** Port inside the container. */
  target: number;
  /** Host port; undefined when not published on a fixed port. */
  published?: number;
  /** Host address; undefined for every address. */
  hostIp?: string;
  /** `tcp` or `udp`. */
  protocol: "tcp" | "udp";
  /** Port name (long syntax). */
  name?: string;
}

function portRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) return undefined;
  return [a, b];
}

/**
 * Parses the short port syntax `[[HOST_IP:]HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`
 * (also a bare number and `[::1]:80:80`) into one {@linkcode ServicePort} per port.
 *
 * @example
 * ```ts
 * import { parsePortShort } from "./syntax.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePortShort("127.0.0.1:8080:80/udp"), {
 *   ok: true, value: [{ target: 80, published: 8080, hostIp: "127.0.0.1", protocol: "udp" }],
 * });
 * const r = parsePortShort("8080-8081:80-81");
 * assert.ok(r.ok && r.value.length === 2 && r.value[1]!.published === 8081);
 * ```
 */
export function parsePortShort(input: string | number): Parsed<ServicePort[]> {
  const bad = (why: string): Parsed<ServicePort[]> => ({
    ok: false,
    reason: `invalid port "${input}": ${why}`,
  });
  let s = String(input).trim();
  let protocol: "tcp" | "udp" = "tcp";
  const slash = s.lastIndexOf("/");
  if (slash >= 0) {
    const p = s.slice(slash + 1).toLowerCase();
    if (p !== "tcp" && p !== "udp") return bad(`protocol "${p}" is not tcp or udp`);
    protocol = p;
    s = s.slice(0, slash);
  }
  let hostIp: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(s);
  let parts: string[];
  if (v6) {
    hostIp = v6[1]!;
    parts = v6[2]!.split(":");
    if (parts.length !== 2) return bad("expected [IP]:HOST:CONTAINER");
  } else {
    parts = s.split(":");
    if (parts.length > 3) {
      // An IPv6 address without brackets, e.g. ::1:6000:6000.
      const container = parts.pop()!;
      const host = parts.pop()!;
      hostIp = parts.join(":");
      parts = [host, container];
    } else if (parts.length === 3) {
      hostIp = parts.shift()!;
    }
  }
  if (hostIp !== undefined && !/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(hostIp)) {
    return bad(`"${hostIp}" is not an IP address`);
  }
  const container = portRange(parts[parts.length - 1]!);
  if (!container) return bad("the container port must be a number or range from 1 to 65535");
  const hostPart = parts.length === 2 ? parts[0]! : "";
  const out: ServicePort[] = [];
  const count = container[1] - container[0] + 1;
  if (hostPart === "") {
    for (let i = 0; i < count; i++) {
      const p: ServicePort = { target: container[0] + i, protocol };
      if (hostIp !== undefined) p.hostIp = hostIp;
      out.push(p);
    }
    return { ok: true, value: out };
  }
  const host = portRange(hostPart);
  if (!host) return bad("the host port must be a number or range from 1 to 65535");
  const hostCount = host[1] - host[0] + 1;
  if (hostCount !== count && !(count === 1 && hostCount > 1)) {
    return bad(`host range has ${hostCount} ports but container range has ${count}`);
  }
  for (let i = 0; i < count; i++) {
    const p: ServicePort = { target: container[0] + i, published: host[0] + i, protocol };
    if (hostIp !== undefined) p.hostIp = hostIp;
    out.push(p);
  }
  return { ok: true, value: out };
}

/** A service volume or mount, normalized. */
export interface ServiceVolume {
  /** `bind` (host path), `volume` (named or anonymous) or `tmpfs`. */
  type: "bind" | "volume" | "tmpfs";
  /** Host path (absolute after loading) or volume name; undefined for anonymous and tmpfs. */
  source?: string;
  /** Path inside the container. */
  target: string;
  /** Mount read-only. */
  readOnly: boolean;
  /** tmpfs size in bytes. */
  tmpfsSize?: number;
  /** Create a missing bind source as a directory (default true, as docker compose does). */
  createHostPath: boolean;
}

/**
 * Parses the short volume syntax `[SOURCE:]TARGET[:MODE]`. A source starting with `.`, `/` or
 * `~` is a bind mount; otherwise it names a volume. Modes: `ro`, `rw` (also `z`, `Z`, `cached`,
 * `delegated`, `consistent`, `nocopy`, accepted and without effect here).
 *
 * @example
 * ```ts
 * import { parseVolumeShort } from "./syntax.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseVolumeShort("./data:/app/data:ro"), {
 *   ok: true,
 *   value: { type: "bind", source: "./data", target: "/app/data", readOnly: true, createHostPath: true },
 * });
 * const r = parseVolumeShort("db:/var/lib/db");
 * assert.ok(r.ok && r.value.type === "volume" && r.value.source === "db");
 * ```
 */
export function parseVolumeShort(input: string): Parsed<ServiceVolume> {
  const parts = input.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) {
    return { ok: false, reason: `invalid volume "${input}": expected [SOURCE:]TARGET[:MODE]` };
  }
  let mode = "";
  if (parts.length === 3) mode = parts.pop()!;
  else if (parts.length === 2 && !parts[1]!.startsWith("/")) mode = parts.pop()!;
  const target = parts.pop()!;
  const source = parts.pop();
  if (!target.startsWith("/")) {
    return {
      ok: false,
      reason: `invalid volume "${input}": the target "${target}" is not absolute`,
    };
  }
  let readOnly = false;
  for (const m of mode ? mode.split(",") : []) {
    if (m === "ro") readOnly = true;
    else if (
      !["rw", "z", "Z", "cached", "delegated", "consistent", "nocopy"].includes(m)
    ) {
      return { ok: false, reason: `invalid volume "${input}": unknown mode "${m}"` };
    }
  }
  if (source === undefined) {
    return { ok: true, value: { type: "volume", target, readOnly, createHostPath: true } };
  }
  const bind = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
  return {
    ok: true,
    value: { type: bind ? "bind" : "volume", source, target, readOnly, createHostPath: true },
  };
}

/**
 * Splits a command string like a POSIX shell would split words (quotes and backslashes), without
 * running a shell (`command: echo "a b"` → `["echo", "a b"]`).
 *
 * @example
 * ```ts
 * import { splitShellWords } from "./syntax.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitShellWords(`sh -c 'echo "hi there"' x\\ y`), {
 *   ok: true, value: ["sh", "-c", 'echo "hi there"', "x y"],
 * });
 * ```
 */
export function splitShellWords(input: string): Parsed<string[]> {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < input.length && '$`"\\\n'.includes(input[i + 1]!)) {
        cur += input[++i];
      } else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < input.length) {
      cur += input[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, reason: `unterminated ${quote} quote in "${input}"` };
  if (inWord) out.push(cur);
  return { ok: true, value: out };
}
