/**
 * {@linkcode ClusterDnsServer}: the node's cluster DNS server (UDP and TCP, RFC 7766's
 * two-byte length framing on TCP), answering the cluster zone
 * from `./cluster_dns_records.ts` and forwarding every other name to the node's own name
 * servers (its `/etc/resolv.conf`), as CoreDNS's `kubernetes` and `forward` plugins do. Packets
 * are decoded and encoded with the `dns-packet` library.
 *
 * @module
 */
// @deno-types="@types/dns-packet"
import * as dnsPacket from "dns-packet";
import { Buffer } from "node:buffer";
import { CLUSTER_DNS_TTL, type ClusterDnsRecords, lookupDns } from "./cluster_dns_records.ts";

/** Settings of {@linkcode ClusterDnsServer}. */
export interface ClusterDnsServerOptions {
  /** Address to listen on (e.g. `169.254.20.10`). */
  hostname: string;
  /** UDP port (53). */
  port: number;
  /** Name servers to forward other names to: IPv4 addresses, `IP:PORT` for a port other than 53. */
  upstreams: readonly string[];
  /** The records now. */
  records: () => ClusterDnsRecords;
  /** Log sink. */
  log: (line: string) => void;
  /** How long to wait for an upstream answer, ms (default 2000). */
  forwardTimeoutMs?: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/**
 * The answer to a query packet from the cluster records; `undefined` when the question is not
 * the cluster's (forward it). A packet that does not decode gets no answer (`null`).
 *
 * @example
 * ```ts
 * // @deno-types="@types/dns-packet"
 * import * as dnsPacket from "dns-packet";
 * import { answerClusterQuery } from "./cluster_dns_server.ts";
 * import { buildClusterDnsRecords } from "./cluster_dns_records.ts";
 * import assert from "node:assert/strict";
 * const recs = buildClusterDnsRecords({ zone: "cluster.local", endpointSlices: [],
 *   services: [{ metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.7" } }] });
 * const q = dnsPacket.encode({ type: "query", id: 7, flags: dnsPacket.RECURSION_DESIRED,
 *   questions: [{ type: "A", name: "web.default.svc.cluster.local" }] });
 * const r = dnsPacket.decode(answerClusterQuery(q, recs)!);
 * assert.equal(r.id, 7);
 * assert.equal((r.flags ?? 0) & 15, 0); // NOERROR
 * assert.deepEqual(r.answers?.map((a) => a.type === "OPT" ? undefined : a.data), ["10.96.0.7"]);
 * ```
 */
export function answerClusterQuery(
  query: Uint8Array,
  recs: ClusterDnsRecords,
): Buffer | undefined | null {
  let q: dnsPacket.DecodedPacket;
  try {
    q = dnsPacket.decode(Buffer.from(query));
  } catch {
    return null;
  }
  if (q.type !== "query") return null;
  const question = q.questions?.[0];
  const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  if (!question) {
    return dnsPacket.encode({
      type: "response",
      id: q.id ?? 0,
      flags: rd | RCODE.REFUSED,
      questions: [],
    });
  }
  const found = lookupDns(recs, question.name, question.type);
  if (!found) return undefined;
  const answers: dnsPacket.Answer[] = found.answers.map((r) => {
    const base = { name: r.name, ttl: CLUSTER_DNS_TTL, class: "IN" as const };
    switch (r.type) {
      case "SRV":
        return { ...base, type: "SRV", data: r.data };
      case "TXT":
        return { ...base, type: "TXT", data: r.data };
      default:
        return { ...base, type: r.type, data: r.data };
    }
  });
  return dnsPacket.encode({
    type: "response",
    id: q.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | dnsPacket.RECURSION_AVAILABLE |
      (found.rcode === "NXDOMAIN" ? RCODE.NXDOMAIN : RCODE.NOERROR),
    questions: [question],
    answers,
  });
}

function servfail(query: Uint8Array): Buffer | null {
  try {
    const q = dnsPacket.decode(Buffer.from(query));
    return dnsPacket.encode({
      type: "response",
      id: q.id ?? 0,
      flags: ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | RCODE.SERVFAIL,
      questions: q.questions ?? [],
    });
  } catch {
    return null;
  }
}

/**
 * Reads the `nameserver` lines of a resolv.conf (IPv4), leaving out `exclude`.
 *
 * @example
 * ```ts
 * import { resolvConfServers } from "./cluster_dns_server.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resolvConfServers("nameserver 192.0.2.1\nnameserver ::1\n# x\nnameserver 169.254.20.10\n", "169.254.20.10"), ["192.0.2.1"]);
 * ```
 */
export function resolvConfServers(text: string, exclude?: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m && m[1] !== exclude) out.push(m[1]!);
  }
  return out;
}

/**
 * The search domains of a resolv.conf (the last `search` or `domain` line, as glibc reads it).
 *
 * @example
 * ```ts
 * import { resolvConfSearches } from "./cluster_dns_server.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resolvConfSearches("domain a.example\nsearch corp.example lab.example\n"), ["corp.example", "lab.example"]);
 * ```
 */
export function resolvConfSearches(text: string): string[] {
  let out: string[] = [];
  for (const line of text.split("\n")) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === "search" || key === "domain") out = values.filter((v) => v !== "" && v !== ".");
  }
  return out;
}

/** The node's DNS server; {@linkcode ClusterDnsServer.start} binds, `close` stops. */
export class ClusterDnsServer {
  readonly #o: ClusterDnsServerOptions;
  #conn: Deno.DatagramConn | undefined;
  #tcp: Deno.TcpListener | undefined;
  #loop: Promise<void> | undefined;
  #tcpLoop: Promise<void> | undefined;
  readonly #tcpConns = new Set<Deno.TcpConn>();

  /** Creates the server (nothing is bound until `start`). */
  constructor(o: ClusterDnsServerOptions) {
    this.#o = o;
  }

  /**
   * Binds `hostname:port` on UDP and TCP and serves until {@linkcode ClusterDnsServer.close};
   * throws when either cannot be bound (nothing stays bound then).
   */
  start(): void {
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: this.#o.hostname,
      port: this.#o.port,
    });
    let tcp: Deno.TcpListener;
    try {
      tcp = Deno.listen({ transport: "tcp", hostname: this.#o.hostname, port: this.#o.port });
    } catch (e) {
      conn.close();
      throw e;
    }
    this.#tcp = tcp;
    this.#tcpLoop = (async () => {
      try {
        for await (const c of tcp) {
          this.#tcpConns.add(c);
          void this.#serveTcp(c).finally(() => this.#tcpConns.delete(c));
        }
      } catch { /* closed */ }
    })();
    this.#conn = conn;
    this.#loop = (async () => {
      try {
        for await (const [data, addr] of conn) {
          void this.#handle(conn, data, addr as Deno.NetAddr);
        }
      } catch (e) {
        if (this.#conn === conn) {
          this.#o.log(`node agent: dns: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    })();
  }

  async #handle(conn: Deno.DatagramConn, data: Uint8Array, addr: Deno.NetAddr): Promise<void> {
    let reply: Uint8Array | null | undefined;
    try {
      reply = answerClusterQuery(data, this.#o.records());
      if (reply === undefined) reply = await this.#forward(data);
    } catch (e) {
      this.#o.log(`node agent: dns: ${e instanceof Error ? e.message : String(e)}`);
      reply = servfail(data);
    }
    if (!reply) return;
    try {
      await conn.send(reply, addr);
    } catch { /* the server closed */ }
  }

  /** One TCP connection: length-prefixed queries answered in order until the client closes. */
  async #serveTcp(c: Deno.TcpConn): Promise<void> {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(4096);
    try {
      for (;;) {
        while (buf.length >= 2 && buf.length >= 2 + ((buf[0]! << 8) | buf[1]!)) {
          const n = (buf[0]! << 8) | buf[1]!;
          const query = buf.slice(2, 2 + n);
          buf = buf.slice(2 + n);
          const local = answerClusterQuery(query, this.#o.records());
          const reply = local === undefined ? await this.#forward(query) : local;
          if (!reply) return;
          const out = new Uint8Array(2 + reply.length);
          out[0] = reply.length >> 8;
          out[1] = reply.length & 255;
          out.set(reply, 2);
          for (let off = 0; off < out.length;) off += await c.write(out.subarray(off));
        }
        const r = await c.read(chunk);
        if (r === null) return;
        const next = new Uint8Array(buf.length + r);
        next.set(buf);
        next.set(chunk.subarray(0, r), buf.length);
        buf = next;
      }
    } catch {
      /* the client went away */
    } finally {
      try {
        c.close();
      } catch { /* closed */ }
    }
  }

  async #forward(query: Uint8Array): Promise<Uint8Array | null> {
    for (const server of this.#o.upstreams) {
      const [hostname, port] = server.split(":") as [string, string | undefined];
      const sock = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
      const timer = setTimeout(() => sock.close(), this.#o.forwardTimeoutMs ?? 2000);
      try {
        await sock.send(query, { transport: "udp", hostname, port: port ? Number(port) : 53 });
        const [answer] = await sock.receive();
        return answer;
      } catch {
        // Timed out (the socket was closed) or unreachable: try the next server.
      } finally {
        clearTimeout(timer);
        try {
          sock.close();
        } catch { /* closed by the timer */ }
      }
    }
    return servfail(query);
  }

  /** Stops serving (UDP, the TCP listener and its open connections). */
  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    try {
      conn?.close();
    } catch { /* closed */ }
    try {
      this.#tcp?.close();
    } catch { /* closed */ }
    for (const c of this.#tcpConns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await this.#loop;
    await this.#tcpLoop;
  }
}
