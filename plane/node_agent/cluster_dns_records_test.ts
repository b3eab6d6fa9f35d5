import assert from "node:assert/strict";
import { buildClusterDnsRecords, lookupDns } from "./cluster_dns_records.ts";

const services = [
  {
    metadata: { name: "web", namespace: "shop" },
    spec: {
      clusterIP: "10.96.0.7",
      ports: [{ name: "http", port: 80, protocol: "TCP" }, { port: 81 }],
    },
  },
  {
    metadata: { name: "db", namespace: "shop" },
    spec: { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] },
  },
  { metadata: { name: "empty", namespace: "shop" }, spec: { clusterIP: "None" } },
  {
    metadata: { name: "ext", namespace: "shop" },
    spec: { type: "ExternalName", externalName: "example.org." },
  },
];
const slices = [
  {
    metadata: { name: "db-1", namespace: "shop", labels: { "kubernetes.io/service-name": "db" } },
    addressType: "IPv4",
    ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    endpoints: [
      { addresses: ["10.244.1.5"], hostname: "db-0", conditions: { ready: true } },
      { addresses: ["10.244.2.6"] },
      { addresses: ["10.244.2.7"], conditions: { ready: false } },
    ],
  },
];
const recs = buildClusterDnsRecords({ services, endpointSlices: slices, zone: "cluster.local" });
const data = (name: string, type: string) =>
  lookupDns(recs, name, type)?.answers.map((a) =>
    typeof a.data === "string" ? a.data : JSON.stringify(a.data)
  );

Deno.test("cluster DNS records follow the Kubernetes DNS specification", async (t) => {
  const cases: {
    name: string;
    q: string;
    type: string;
    rcode?: string;
    want: string[] | undefined;
  }[] = [
    { name: "schema version", q: "dns-version.cluster.local", type: "TXT", want: ["1.1.0"] },
    { name: "ClusterIP A", q: "web.shop.svc.cluster.local", type: "A", want: ["10.96.0.7"] },
    {
      name: "case-insensitive, trailing dot",
      q: "Web.Shop.SVC.cluster.local.",
      type: "A",
      want: ["10.96.0.7"],
    },
    {
      name: "SRV of a named port only",
      q: "_http._tcp.web.shop.svc.cluster.local",
      type: "SRV",
      want: [
        JSON.stringify({
          priority: 0,
          weight: 100,
          port: 80,
          target: "web.shop.svc.cluster.local",
        }),
      ],
    },
    {
      name: "PTR of the cluster IP",
      q: "7.0.96.10.in-addr.arpa",
      type: "PTR",
      want: ["web.shop.svc.cluster.local"],
    },
    {
      name: "headless: ready endpoints",
      q: "db.shop.svc.cluster.local",
      type: "A",
      want: ["10.244.1.5", "10.244.2.6"],
    },
    {
      name: "headless: endpoint hostname",
      q: "db-0.db.shop.svc.cluster.local",
      type: "A",
      want: ["10.244.1.5"],
    },
    {
      name: "headless: generated hostname",
      q: "10-244-2-6.db.shop.svc.cluster.local",
      type: "A",
      want: ["10.244.2.6"],
    },
    {
      name: "headless SRV per endpoint",
      q: "_pg._tcp.db.shop.svc.cluster.local",
      type: "SRV",
      want: [
        JSON.stringify({
          priority: 0,
          weight: 100,
          port: 5432,
          target: "db-0.db.shop.svc.cluster.local",
        }),
        JSON.stringify({
          priority: 0,
          weight: 100,
          port: 5432,
          target: "10-244-2-6.db.shop.svc.cluster.local",
        }),
      ],
    },
    {
      name: "PTR of a hostname endpoint",
      q: "5.1.244.10.in-addr.arpa",
      type: "PTR",
      want: ["db-0.db.shop.svc.cluster.local"],
    },
    {
      name: "headless without endpoints: NODATA",
      q: "empty.shop.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      want: [],
    },
    {
      name: "ExternalName CNAME",
      q: "ext.shop.svc.cluster.local",
      type: "A",
      want: ["example.org"],
    },
    {
      name: "pod A record",
      q: "10-244-9-9.shop.pod.cluster.local",
      type: "A",
      want: ["10.244.9.9"],
    },
    {
      name: "existing name, other type: NODATA",
      q: "web.shop.svc.cluster.local",
      type: "AAAA",
      rcode: "NOERROR",
      want: [],
    },
    {
      name: "parent of existing names exists",
      q: "shop.svc.cluster.local",
      type: "A",
      rcode: "NOERROR",
      want: [],
    },
    {
      name: "unknown service: NXDOMAIN",
      q: "nope.shop.svc.cluster.local",
      type: "A",
      rcode: "NXDOMAIN",
      want: [],
    },
    {
      name: "not-ready endpoint has no record",
      q: "10-244-2-7.db.shop.svc.cluster.local",
      type: "A",
      rcode: "NXDOMAIN",
      want: [],
    },
    { name: "outside the zone: forwarded", q: "example.org", type: "A", want: undefined },
    {
      name: "unknown reverse name: forwarded",
      q: "1.0.0.127.in-addr.arpa",
      type: "PTR",
      want: undefined,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.deepEqual(data(c.q, c.type), c.want);
      if (c.rcode) assert.equal(lookupDns(recs, c.q, c.type)?.rcode, c.rcode);
    });
  }
});
