/**
 * Root, real conntrack-tools in a network namespace the test creates: UDP entries written with
 * `conntrack -I` (DNATed to a removed endpoint, to a serving one, through a node port, made
 * before the Service had an endpoint, and one of no Service) are listed and the stale ones
 * deleted by `clearStaleUdpFlows`; the others stay.
 */
import assert from "node:assert/strict";
import { clearStaleUdpFlows, ConntrackMissingError } from "./service_proxy_conntrack.ts";
import { parseConntrackFlows } from "./service_proxy_conntrack_plan.ts";
import { servicePorts } from "./service_proxy_plan.ts";
import { rootTest } from "../../core/testing.ts";

const dec = new TextDecoder();

async function ip(args: string[]): Promise<string> {
  const o = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (o.code !== 0) throw new Error(`ip ${args.join(" ")}: ${dec.decode(o.stderr)}`);
  return dec.decode(o.stdout);
}

const services = [{
  metadata: { name: "logs", namespace: "default" },
  spec: {
    type: "NodePort",
    clusterIP: "10.96.0.9",
    ports: [{ name: "syslog", port: 514, protocol: "UDP", nodePort: 30514 }],
  },
}];
const slices = [{
  metadata: {
    name: "logs-1",
    namespace: "default",
    labels: { "kubernetes.io/service-name": "logs" },
  },
  ports: [{ name: "syslog", port: 514, protocol: "UDP" }],
  endpoints: [{ addresses: ["10.244.2.8"], conditions: { ready: true } }],
}];

rootTest(
  "clearStaleUdpFlows() deletes the stale UDP entries of a real conntrack table",
  async () => {
    const netns = `rkct${crypto.randomUUID().slice(0, 6)}`;
    await ip(["netns", "add", netns]);
    const ct = ["ip", "netns", "exec", netns, "conntrack"];
    try {
      /** One UDP entry: client → frontend, replying from `replySrc` (the DNAT target). */
      const insert = async (src: string, sport: number, dst: string, dport: number, rs: string) => {
        await ip([
          "netns",
          "exec",
          netns,
          "conntrack",
          "-I",
          "-p",
          "udp",
          "-s",
          src,
          "-d",
          dst,
          "--sport",
          String(sport),
          "--dport",
          String(dport),
          "-r",
          rs,
          "-q",
          src,
          "--reply-port-src",
          String(dport === 30514 ? 514 : dport),
          "--reply-port-dst",
          String(sport),
          "--timeout",
          "300",
        ]);
      };
      await insert("10.244.1.4", 40000, "10.96.0.9", 514, "10.244.3.7"); // removed endpoint
      await insert("10.244.1.5", 40001, "10.96.0.9", 514, "10.244.2.8"); // serving endpoint
      await insert("10.250.0.10", 5353, "10.250.0.11", 30514, "10.244.3.7"); // node port, removed
      await insert("10.244.1.4", 40002, "10.96.0.50", 514, "10.244.3.7"); // no Service
      await insert("10.244.1.6", 40003, "10.96.0.9", 514, "10.96.0.9"); // before any endpoint

      const ports = servicePorts(services, slices, { serving: true });
      const cleared = await clearStaleUdpFlows(ports, ct);
      assert.deepEqual(
        // In the table's order (a hash), so sorted.
        cleared.map((c) => `${c.origDst ?? "*"}:${c.origPortDst}>${c.replySrc} ${c.entries}`)
          .sort(),
        ["*:30514>10.244.3.7 1", "10.96.0.9:514>10.244.3.7 1", "10.96.0.9:514>10.96.0.9 1"],
      );
      const left = parseConntrackFlows(
        await ip(["netns", "exec", netns, "conntrack", "-L", "-f", "ipv4", "-p", "udp"]),
      ).map((f) => `${f.orig.src}:${f.orig.sport}>${f.reply.src}`).sort();
      assert.deepEqual(left, ["10.244.1.4:40002>10.244.3.7", "10.244.1.5:40001>10.244.2.8"]);
      assert.deepEqual(await clearStaleUdpFlows(ports, ct), [], "nothing stale any more");

      // Without UDP endpoints the table is not even read (this program cannot run).
      const noEndpoints = servicePorts(services, []);
      assert.deepEqual(await clearStaleUdpFlows(noEndpoints, ["/nonexistent/conntrack"]), []);
      await assert.rejects(
        clearStaleUdpFlows(ports, ["/nonexistent/conntrack"]),
        ConntrackMissingError,
      );
    } finally {
      await ip(["netns", "del", netns]);
    }
  },
);
