// @deno-types="@types/dns-packet"
import * as dnsPacket from "dns-packet";
import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { ClusterDnsServer } from "./cluster_dns_server.ts";
import { buildClusterDnsRecords } from "./cluster_dns_records.ts";

/** A port free on loopback for both UDP and TCP (bounded tries). */
function freeUdpPort(): number {
  for (let i = 0; i < 50; i++) {
    const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (s.addr as Deno.NetAddr).port;
    s.close();
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch { /* taken on TCP: try another */ }
  }
  throw new Error("no port free for both UDP and TCP on 127.0.0.1");
}

async function ask(port: number, name: string, type: dnsPacket.RecordType, id = 1) {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const timer = setTimeout(() => sock.close(), 10_000);
  try {
    const q = dnsPacket.encode({
      type: "query",
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name }],
    });
    await sock.send(q, { transport: "udp", hostname: "127.0.0.1", port });
    const [answer] = await sock.receive();
    return dnsPacket.decode(Buffer.from(answer));
  } finally {
    clearTimeout(timer);
    sock.close();
  }
}

/** The response code (the low 4 bits of the flags; 0 NOERROR, 3 NXDOMAIN). */
const dataOf = (x: dnsPacket.Answer) => x.type === "OPT" ? undefined : x.data;
const ttlOf = (x: dnsPacket.Answer) => x.type === "OPT" ? undefined : x.ttl;
const rcode = (p: dnsPacket.DecodedPacket) => (p.flags ?? 0) & 15;

Deno.test("ClusterDnsServer answers the cluster zone over UDP and TCP and forwards other names", async () => {
  // A stand-in upstream on loopback that answers every question with 192.0.2.1.
  const upstream = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const upPort = (upstream.addr as Deno.NetAddr).port;
  const upstreamLoop = (async () => {
    try {
      for await (const [data, addr] of upstream) {
        const q = dnsPacket.decode(Buffer.from(data));
        await upstream.send(
          dnsPacket.encode({
            type: "response",
            id: q.id ?? 0,
            questions: q.questions ?? [],
            answers: [{ type: "A", name: q.questions![0]!.name, data: "192.0.2.1", ttl: 60 }],
          }),
          addr,
        );
      }
    } catch { /* closed */ }
  })();
  let services: unknown[] = [
    { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.7" } },
  ];
  const port = freeUdpPort();
  const server = new ClusterDnsServer({
    hostname: "127.0.0.1",
    port,
    upstreams: [`127.0.0.1:${upPort}`],
    records: () => buildClusterDnsRecords({ services, endpointSlices: [], zone: "cluster.local" }),
    log: () => {},
  });
  server.start();
  try {
    const a = await ask(port, "web.default.svc.cluster.local", "A", 42);
    assert.equal(a.id, 42);
    assert.equal(rcode(a), 0);
    assert.ok(a.flag_aa, "authoritative for the cluster zone");
    assert.deepEqual(a.answers?.map((x) => [x.type, dataOf(x), ttlOf(x)]), [["A", "10.96.0.7", 5]]);

    const nx = await ask(port, "nope.default.svc.cluster.local", "A");
    assert.equal(rcode(nx), 3);
    assert.deepEqual(nx.answers, []);

    const fwd = await ask(port, "example.org", "A");
    assert.deepEqual(fwd.answers?.map(dataOf), ["192.0.2.1"], "forwarded upstream");

    // TCP: two length-prefixed queries on one connection.
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const frame = (id: number) => {
        const q = dnsPacket.encode({
          type: "query",
          id,
          questions: [{ type: "A", name: "web.default.svc.cluster.local" }],
        });
        const f = new Uint8Array(2 + q.length);
        f[0] = q.length >> 8;
        f[1] = q.length & 255;
        f.set(q, 2);
        return f;
      };
      const both = new Uint8Array([...frame(7), ...frame(8)]);
      await tcp.write(both);
      let got = new Uint8Array(0);
      const answers: dnsPacket.DecodedPacket[] = [];
      const chunk = new Uint8Array(4096);
      while (answers.length < 2) {
        const n = await tcp.read(chunk);
        assert.notEqual(n, null, "the server answers both before closing");
        got = new Uint8Array([...got, ...chunk.subarray(0, n!)]);
        while (got.length >= 2 && got.length >= 2 + ((got[0]! << 8) | got[1]!)) {
          const len = (got[0]! << 8) | got[1]!;
          answers.push(dnsPacket.decode(Buffer.from(got.slice(2, 2 + len))));
          got = got.slice(2 + len);
        }
      }
      assert.deepEqual(answers.map((a) => a.id), [7, 8]);
      assert.deepEqual(answers.map((a) => a.answers?.map(dataOf)), [["10.96.0.7"], ["10.96.0.7"]]);
    } finally {
      tcp.close();
    }

    services = [];
    assert.equal(rcode(await ask(port, "web.default.svc.cluster.local", "A")), 3);
  } finally {
    await server.close();
    upstream.close();
    await upstreamLoop;
  }
});
