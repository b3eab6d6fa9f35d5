import assert from "node:assert/strict";
import {
  conntrackDeleteArgs,
  type ConntrackFlow,
  hasUdpEndpoints,
  parseConntrackFlows,
  planConntrackCleanup,
} from "./service_proxy_conntrack_plan.ts";
import { servicePorts } from "./service_proxy_plan.ts";

const svc = (name: string, spec: Record<string, unknown>, status?: unknown) => ({
  metadata: { name, namespace: "default" },
  spec,
  ...(status ? { status } : {}),
});
const slice = (
  name: string,
  protocol: string,
  endpoints: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }[],
) => ({
  metadata: {
    name: `${name}-1`,
    namespace: "default",
    labels: { "kubernetes.io/service-name": name },
  },
  ports: [{ port: 514, protocol }],
  endpoints: endpoints.map((e) => ({
    addresses: [e.ip],
    conditions: {
      ...(e.ready !== undefined ? { ready: e.ready } : {}),
      ...(e.serving !== undefined ? { serving: e.serving } : {}),
      ...(e.terminating !== undefined ? { terminating: e.terminating } : {}),
    },
  })),
});
const flow = (dst: string, dport: number, replySrc: string, sport = 40000): ConntrackFlow => ({
  orig: { src: "10.244.1.4", dst, sport, dport },
  reply: { src: replySrc, dst: "10.244.1.4", sport: 514, dport: sport },
});

Deno.test("parseConntrackFlows() reads conntrack -L output", async (t) => {
  await t.step("default and extended formats, unreplied and assured entries", () => {
    const text = [
      "udp      17 29 src=10.244.1.4 dst=10.96.0.9 sport=40000 dport=514 [UNREPLIED] src=10.244.3.7 dst=10.244.1.4 sport=514 dport=40000 mark=0 use=1",
      "ipv4     2 udp      17 118 src=10.250.0.10 dst=10.250.0.11 sport=5353 dport=30514 src=10.244.2.8 dst=10.250.0.10 sport=514 dport=5353 [ASSURED] mark=0 zone=0 use=2",
      "",
    ].join("\n");
    assert.deepEqual(parseConntrackFlows(text), [
      {
        orig: { src: "10.244.1.4", dst: "10.96.0.9", sport: 40000, dport: 514 },
        reply: { src: "10.244.3.7", dst: "10.244.1.4", sport: 514, dport: 40000 },
      },
      {
        orig: { src: "10.250.0.10", dst: "10.250.0.11", sport: 5353, dport: 30514 },
        reply: { src: "10.244.2.8", dst: "10.250.0.10", sport: 514, dport: 5353 },
      },
    ]);
  });
  await t.step("other protocols, IPv6, the summary line and garbage are skipped", () => {
    const text = [
      "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1",
      "udp      17 29 src=fd00::1 dst=fd00::2 sport=1 dport=2 src=fd00::2 dst=fd00::1 sport=2 dport=1 mark=0 use=1",
      "icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1 mark=0 use=1",
      "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.",
      "udp 17 29 src=10.0.0.1 dst=10.0.0.2 sport=1",
      "udp 17 29 src=10.0.0.1 dst=10.0.0.2 sport=x dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
    ].join("\n");
    assert.deepEqual(parseConntrackFlows(text), []);
  });
});

Deno.test("servicePorts() with serving: terminating endpoints that still serve count", () => {
  const services = [
    svc("logs", { clusterIP: "10.96.0.9", ports: [{ port: 514, protocol: "UDP" }] }),
  ];
  const slices = [slice("logs", "UDP", [
    { ip: "10.244.1.5" },
    { ip: "10.244.2.5", ready: false, serving: true, terminating: true },
    { ip: "10.244.3.5", ready: false, serving: false, terminating: true },
    { ip: "10.244.4.5", ready: false },
    { ip: "10.244.5.5", ready: true, serving: true },
  ])];
  const ips = (serving: boolean) =>
    servicePorts(services, slices, { serving })[0]!.endpoints.map((e) => e.ip);
  assert.deepEqual(ips(false), ["10.244.1.5", "10.244.5.5"]);
  assert.deepEqual(ips(true), ["10.244.1.5", "10.244.2.5", "10.244.5.5"]);
});

Deno.test("planConntrackCleanup() deletes UDP flows that go elsewhere than a serving endpoint", async (t) => {
  const services = [
    svc("logs", {
      type: "LoadBalancer",
      clusterIP: "10.96.0.9",
      externalIPs: ["192.0.2.10"],
      ports: [{ port: 514, protocol: "UDP", nodePort: 30514 }],
    }, { loadBalancer: { ingress: [{ ip: "192.0.2.20" }] } }),
    svc("web", { clusterIP: "10.96.0.7", ports: [{ port: 514, protocol: "TCP" }] }),
    svc("empty", { clusterIP: "10.96.0.8", ports: [{ port: 514, protocol: "UDP" }] }),
    svc("local", {
      clusterIP: "10.96.0.6",
      internalTrafficPolicy: "Local",
      ports: [{ port: 514, protocol: "UDP" }],
    }),
  ];
  const slices = [
    slice("logs", "UDP", [
      { ip: "10.244.2.8" },
      { ip: "10.244.2.9", ready: false, serving: true, terminating: true },
    ]),
    slice("web", "TCP", [{ ip: "10.244.2.8" }]),
    slice("local", "UDP", [{ ip: "10.244.3.3" }]),
  ];
  const ports = servicePorts(services, slices, { serving: true });
  const cases: { name: string; flows: ConntrackFlow[]; want: string[] }[] = [
    {
      name: "an endpoint removed: its flows to the cluster IP go",
      flows: [flow("10.96.0.9", 514, "10.244.3.7")],
      want: ["10.96.0.9:514>10.244.3.7 default/logs cluster IP"],
    },
    {
      name: "the first endpoint: a flow made without DNAT (replies from the cluster IP) goes",
      flows: [flow("10.96.0.9", 514, "10.96.0.9")],
      want: ["10.96.0.9:514>10.96.0.9 default/logs cluster IP"],
    },
    {
      name: "flows to serving endpoints stay, terminating ones included",
      flows: [flow("10.96.0.9", 514, "10.244.2.8"), flow("10.96.0.9", 514, "10.244.2.9")],
      want: [],
    },
    {
      name: "external and load-balancer IPs with the service port",
      flows: [flow("192.0.2.10", 514, "10.244.3.7"), flow("192.0.2.20", 514, "10.244.3.7")],
      want: [
        "192.0.2.10:514>10.244.3.7 default/logs external IP",
        "192.0.2.20:514>10.244.3.7 default/logs external IP",
      ],
    },
    {
      name: "the node port on any address",
      flows: [flow("10.250.0.11", 30514, "10.244.3.7"), flow("10.250.0.11", 30514, "10.244.2.8")],
      want: ["*:30514>10.244.3.7 default/logs node port"],
    },
    {
      name: "other ports of the frontend, TCP services, services without endpoints: left alone",
      flows: [
        flow("10.96.0.9", 515, "10.244.3.7"),
        flow("10.96.0.7", 514, "10.244.3.7"),
        flow("10.96.0.8", 514, "10.244.3.7"),
      ],
      want: [],
    },
    {
      name: "traffic policies do not matter: any serving endpoint keeps a flow",
      flows: [flow("10.96.0.6", 514, "10.244.3.3"), flow("10.96.0.6", 514, "10.244.9.9")],
      want: ["10.96.0.6:514>10.244.9.9 default/local cluster IP"],
    },
    {
      name: "one deletion per filter, whatever the number of clients",
      flows: [
        flow("10.96.0.9", 514, "10.244.3.7", 40000),
        flow("10.96.0.9", 514, "10.244.3.7", 40001),
      ],
      want: ["10.96.0.9:514>10.244.3.7 default/logs cluster IP"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = planConntrackCleanup(ports, c.flows).map((d) =>
        `${d.origDst ?? "*"}:${d.origPortDst}>${d.replySrc} ${d.why}`
      );
      assert.deepEqual(got, c.want);
    });
  }
  await t.step("nothing to do without UDP endpoints", () => {
    const tcpOnly = servicePorts(services.slice(1, 3), slices);
    assert.equal(hasUdpEndpoints(tcpOnly), false);
    assert.equal(hasUdpEndpoints(ports), true);
    assert.deepEqual(planConntrackCleanup(tcpOnly, [flow("10.96.0.7", 514, "10.244.3.7")]), []);
  });
  await t.step("a node port deletion has no --orig-dst", () => {
    const [d] = planConntrackCleanup(ports, [flow("10.250.0.11", 30514, "10.244.3.7")]);
    assert.deepEqual(conntrackDeleteArgs(d!), [
      "-D",
      "-f",
      "ipv4",
      "-p",
      "udp",
      "--orig-port-dst",
      "30514",
      "--reply-src",
      "10.244.3.7",
    ]);
  });
});
