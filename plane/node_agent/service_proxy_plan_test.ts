import assert from "node:assert/strict";
import {
  planServiceProxy,
  planServiceProxyRemoval,
  servicePorts,
  serviceProxyJumps,
} from "./service_proxy_plan.ts";

function svc(name: string, spec: Record<string, unknown>, ns = "default") {
  return { metadata: { name, namespace: ns }, spec };
}

function slice(
  svcName: string,
  ports: { name?: string; port: number; protocol?: string }[],
  endpoints: { ip: string; ready?: boolean; hostname?: string; nodeName?: string }[],
  ns = "default",
) {
  return {
    metadata: {
      name: `${svcName}-${Math.random().toString(36).slice(2, 7)}`,
      namespace: ns,
      labels: { "kubernetes.io/service-name": svcName },
    },
    addressType: "IPv4",
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.nodeName ? { nodeName: e.nodeName } : {}),
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    })),
  };
}

const base = { podCIDR: "10.244.1.0/24", clusterCIDRs: ["10.244.1.0/24", "10.244.2.0/24"] };

function lines(restore: string, prefix: string): string[] {
  return restore.split("\n").filter((l) => l.startsWith(prefix));
}

Deno.test("servicePorts() picks service ports and their ready endpoints", async (t) => {
  const cases: {
    name: string;
    services: unknown[];
    slices: unknown[];
    want: { id: string; protocol: string; nodePort?: number; endpoints: string[] }[];
  }[] = [
    {
      name: "named port matched by name; not-ready endpoints left out; unset ready counts as ready",
      services: [svc("web", { clusterIP: "10.96.0.7", ports: [{ name: "http", port: 80 }] })],
      slices: [
        slice("web", [{ name: "http", port: 8080, protocol: "TCP" }], [
          { ip: "10.244.2.5" },
          { ip: "10.244.1.5", ready: true },
          { ip: "10.244.3.5", ready: false },
        ]),
      ],
      want: [{
        id: "default/web:http",
        protocol: "TCP",
        endpoints: ["10.244.1.5:8080", "10.244.2.5:8080"],
      }],
    },
    {
      name: "TCP and UDP of one name are two ports; SCTP is left out",
      services: [svc("dns", {
        clusterIP: "10.96.0.10",
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
          { name: "s", port: 9, protocol: "SCTP" },
        ],
      }, "kube-system")],
      slices: [
        slice("dns", [{ name: "dns", port: 5353, protocol: "UDP" }, {
          name: "dns-tcp",
          port: 5353,
        }], [
          { ip: "10.244.1.9" },
        ], "kube-system"),
      ],
      want: [
        { id: "kube-system/dns:dns", protocol: "UDP", endpoints: ["10.244.1.9:5353"] },
        { id: "kube-system/dns:dns-tcp", protocol: "TCP", endpoints: ["10.244.1.9:5353"] },
      ],
    },
    {
      name:
        "headless and ExternalName Services get no rules; a slice of another namespace does not count",
      services: [
        svc("db", { clusterIP: "None", ports: [{ port: 5432 }] }),
        svc("ext", { type: "ExternalName", externalName: "example.org" }),
        svc("api", { clusterIP: "10.96.0.9", ports: [{ port: 443 }] }),
      ],
      slices: [slice("api", [{ port: 8443 }], [{ ip: "10.244.1.2" }], "other")],
      want: [{ id: "default/api", protocol: "TCP", endpoints: [] }],
    },
    {
      name: "NodePort and LoadBalancer keep their node port; ClusterIP drops a stray one",
      services: [
        svc("np", {
          type: "NodePort",
          clusterIP: "10.96.0.11",
          ports: [{ port: 80, nodePort: 30080 }],
        }),
        svc("lb", {
          type: "LoadBalancer",
          clusterIP: "10.96.0.12",
          ports: [{ port: 80, nodePort: 30081 }],
        }),
        svc("ci", { clusterIP: "10.96.0.13", ports: [{ port: 80, nodePort: 30082 }] }),
      ],
      slices: [],
      want: [
        { id: "default/ci", protocol: "TCP", endpoints: [] },
        { id: "default/lb", protocol: "TCP", nodePort: 30081, endpoints: [] },
        { id: "default/np", protocol: "TCP", nodePort: 30080, endpoints: [] },
      ],
    },
    {
      name: "duplicate endpoints across slices count once",
      services: [svc("web", { clusterIP: "10.96.0.7", ports: [{ port: 80 }] })],
      slices: [
        slice("web", [{ port: 8080 }], [{ ip: "10.244.1.5" }]),
        slice("web", [{ port: 8080 }], [{ ip: "10.244.1.5" }, { ip: "10.244.1.6" }]),
      ],
      want: [{
        id: "default/web",
        protocol: "TCP",
        endpoints: ["10.244.1.5:8080", "10.244.1.6:8080"],
      }],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const got = servicePorts(c.services, c.slices).map((p) => ({
        id: p.id,
        protocol: p.protocol,
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
        endpoints: p.endpoints.map((e) => `${e.ip}:${e.port}`),
      }));
      assert.deepEqual(got, c.want);
    });
  }
});

Deno.test("planServiceProxy() writes kube-proxy-style chains", async (t) => {
  const three = slice("web", [{ name: "http", port: 8080 }], [
    { ip: "10.244.1.5" },
    { ip: "10.244.2.5" },
    { ip: "10.244.2.6" },
  ]);
  const web = svc("web", {
    type: "NodePort",
    clusterIP: "10.96.0.7",
    ports: [{ name: "http", port: 80, nodePort: 30080 }],
  });

  await t.step("three endpoints: probabilities 1/3, 1/2, then the last unconditionally", () => {
    const plan = planServiceProxy({ ...base, services: [web], endpointSlices: [three] });
    const svcChain = /-j (RK8S-SVC-[0-9A-F]{16})$/.exec(
      lines(plan.restore, "-A RK8S-SERVICES -d 10.96.0.7/32")[0]!,
    )![1]!;
    assert.ok(svcChain.length <= 28, "iptables chain names are at most 28 characters");
    const rules = lines(plan.restore, `-A ${svcChain} `);
    assert.equal(rules.length, 3);
    assert.match(rules[0]!, /--probability 0\.3333333333 -j RK8S-SEP-/);
    assert.match(rules[1]!, /--probability 0\.5000000000 -j RK8S-SEP-/);
    assert.doesNotMatch(rules[2]!, /statistic/);
    const seps = rules.map((r) => /-j (RK8S-SEP-\S+)$/.exec(r)![1]!);
    assert.equal(new Set(seps).size, 3);
    for (const [i, ip] of ["10.244.1.5", "10.244.2.5", "10.244.2.6"].entries()) {
      const sep = lines(plan.restore, `-A ${seps[i]} `);
      assert.match(sep[0]!, new RegExp(`-s ${ip}/32 .*-j RK8S-MARK-MASQ$`), "hairpin");
      assert.match(sep[1]!, new RegExp(`-p tcp -m tcp .*-j DNAT --to-destination ${ip}:8080$`));
    }
    for (const c of [svcChain, ...seps]) assert.ok(plan.restore.includes(`\n:${c} - [0:0]\n`));
  });

  await t.step(
    "node port: marked for masquerade, then the service chain; node ports come last",
    () => {
      const plan = planServiceProxy({ ...base, services: [web], endpointSlices: [three] });
      const np = lines(plan.restore, "-A RK8S-NODEPORTS ");
      assert.equal(np.length, 2);
      assert.match(np[0]!, /-p tcp -m tcp .*--dport 30080 -j RK8S-MARK-MASQ$/);
      assert.match(np[1]!, /--dport 30080 -j RK8S-SVC-/);
      const svcs = lines(plan.restore, "-A RK8S-SERVICES ");
      assert.match(svcs.at(-1)!, /-m addrtype --dst-type LOCAL -j RK8S-NODEPORTS$/);
    },
  );

  await t.step("UDP service port uses udp matches", () => {
    const dns = svc("dns", { clusterIP: "10.96.0.10", ports: [{ port: 53, protocol: "UDP" }] });
    const plan = planServiceProxy({
      ...base,
      services: [dns],
      endpointSlices: [slice("dns", [{ port: 53, protocol: "UDP" }], [{ ip: "10.244.2.9" }])],
    });
    assert.match(
      lines(plan.restore, "-A RK8S-SERVICES -d 10.96.0.10/32")[0]!,
      /-p udp -m udp .*--dport 53 /,
    );
    assert.ok(plan.restore.includes("-p udp -m udp"));
    assert.match(plan.restore, /-j DNAT --to-destination 10\.244\.2\.9:53/);
  });

  await t.step("no ready endpoints: REJECT in filter, nothing in nat", () => {
    const plan = planServiceProxy({ ...base, services: [web], endpointSlices: [] });
    assert.deepEqual(lines(plan.restore, "-A RK8S-SVC-"), []);
    const rejects = lines(plan.restore, "-A RK8S-SERVICES ").filter((l) => l.includes("REJECT"));
    assert.equal(rejects.length, 2);
    assert.match(rejects[0]!, /-d 10\.96\.0\.7\/32 .*--dport 80 -j REJECT/);
    assert.match(rejects[1]!, /--dst-type LOCAL .*--dport 30080 -j REJECT/);
  });

  await t.step("pod egress: one RETURN per node's pod CIDR, then MASQUERADE", () => {
    const plan = planServiceProxy({ ...base, services: [], endpointSlices: [] });
    assert.deepEqual(
      lines(plan.restore, "-A RK8S-POD-EGRESS ").map((l) =>
        l.replace(/ -m comment --comment "[^"]*"/, "")
      ),
      [
        "-A RK8S-POD-EGRESS -d 10.244.1.0/24 -j RETURN",
        "-A RK8S-POD-EGRESS -d 10.244.2.0/24 -j RETURN",
        "-A RK8S-POD-EGRESS -j MASQUERADE",
      ],
    );
    assert.match(
      lines(plan.restore, "-A RK8S-POSTROUTING -s")[0]!,
      /^-A RK8S-POSTROUTING -s 10\.244\.1\.0\/24 .*-j RK8S-POD-EGRESS$/,
    );
    const noCidr = planServiceProxy({
      podCIDR: undefined,
      clusterCIDRs: [],
      services: [],
      endpointSlices: [],
    });
    assert.deepEqual(lines(noCidr.restore, "-A RK8S-POD-EGRESS"), []);
  });

  await t.step(
    "stale chains of an earlier sync are flushed and deleted; others are not touched",
    () => {
      const plan = planServiceProxy({
        ...base,
        services: [],
        endpointSlices: [],
        existingChains: {
          nat: ["RK8S-SVC-0000000000000000", "RK8S-SERVICES", "DOCKER"],
          filter: ["RK8S-OLD"],
        },
      });
      assert.ok(plan.restore.includes(":RK8S-SVC-0000000000000000 - [0:0]\n"));
      assert.ok(plan.restore.includes("-X RK8S-SVC-0000000000000000\nCOMMIT\n*filter"));
      assert.ok(plan.restore.includes("-X RK8S-OLD\nCOMMIT"));
      assert.ok(!plan.restore.includes("DOCKER"));
      assert.ok(!plan.restore.includes("-X RK8S-SERVICES"));
    },
  );

  await t.step("same input, same text (a sync without changes writes nothing)", () => {
    const a = planServiceProxy({ ...base, services: [web], endpointSlices: [three] });
    const b = planServiceProxy({
      ...base,
      services: [web],
      endpointSlices: [structuredClone(three)],
    });
    assert.equal(a.restore, b.restore);
  });

  await t.step("jumps and removal", () => {
    assert.deepEqual(
      serviceProxyJumps().map((j) => `${j.table} ${j.chain} ${j.args.at(-1)}`),
      [
        "nat PREROUTING RK8S-SERVICES",
        "nat OUTPUT RK8S-SERVICES",
        "nat POSTROUTING RK8S-POSTROUTING",
        "filter FORWARD RK8S-FORWARD",
        "filter FORWARD RK8S-SERVICES",
        "filter OUTPUT RK8S-SERVICES",
        "filter INPUT RK8S-SERVICES",
      ],
    );
    assert.equal(
      planServiceProxyRemoval({ nat: ["RK8S-A", "KUBE-X"], filter: ["RK8S-B"] }),
      "*nat\n:RK8S-A - [0:0]\n-X RK8S-A\nCOMMIT\n*filter\n:RK8S-B - [0:0]\n-X RK8S-B\nCOMMIT\n",
    );
  });
});

Deno.test("planServiceProxy(): affinity, external IPs and the Local traffic policies", async (t) => {
  const eps = slice("web", [{ port: 8080 }], [
    { ip: "10.244.1.5", nodeName: "node-1" },
    { ip: "10.244.2.5", nodeName: "node-2" },
  ]);
  const plan = (spec: Record<string, unknown>, slices: unknown[] = [eps], status?: unknown) =>
    planServiceProxy({
      ...base,
      nodeName: "node-1",
      services: [{
        ...svc("web", { clusterIP: "10.96.0.7", ports: [{ port: 80 }], ...spec }),
        status,
      }],
      endpointSlices: slices,
    }).restore;
  const chainOf = (restore: string, prefix: string) =>
    new Set(
      restore.split("\n").filter((l) => l.startsWith(`:${prefix}`)).map((l) =>
        l.slice(1).split(" ")[0]
      ),
    );

  await t.step(
    "sessionAffinity ClientIP: recent checks before the random choice, set on DNAT",
    () => {
      const r = plan({
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      });
      const svcRules = r.split("\n").filter((l) => l.startsWith("-A RK8S-SVC-"));
      assert.equal(svcRules.length, 4);
      assert.match(
        svcRules[0]!,
        /-m recent --name (RK8S-SEP-\S+) --mask 255\.255\.255\.255 --rsource --rcheck --seconds 600 --reap -j \1$/,
      );
      assert.match(svcRules[1]!, /--rcheck --seconds 600 --reap/);
      assert.match(svcRules[2]!, /--probability 0\.5000000000/);
      const dnat = r.split("\n").filter((l) => l.includes("-j DNAT"));
      assert.equal(dnat.length, 2);
      for (const d of dnat) {
        assert.match(
          d,
          /-m recent --set --name RK8S-SEP-\S+ --mask 255\.255\.255\.255 --rsource -j DNAT/,
        );
      }
      const dflt = plan({ sessionAffinity: "ClientIP" });
      assert.match(
        dflt,
        /--rcheck --seconds 10800 --reap/,
        "10800 s by default, as the API's default",
      );
      assert.doesNotMatch(plan({}), /-m recent/);
    },
  );

  await t.step("externalIPs and LoadBalancer ingress IPs: marked, then the service chain", () => {
    const r = plan(
      { type: "LoadBalancer", externalIPs: ["192.0.2.10"], ports: [{ port: 80, nodePort: 30080 }] },
      [eps],
      { loadBalancer: { ingress: [{ ip: "192.0.2.20" }, { hostname: "lb.example" }] } },
    );
    for (const ip of ["192.0.2.10", "192.0.2.20"]) {
      const rules = r.split("\n").filter((l) => l.startsWith(`-A RK8S-SERVICES -d ${ip}/32`));
      assert.equal(rules.length, 2, ip);
      assert.match(rules[0]!, /external IP" --dport 80 -j RK8S-MARK-MASQ$/);
      assert.match(rules[1]!, /--dport 80 -j RK8S-SVC-/);
    }
    assert.equal(r.split("\n").filter((l) => l.startsWith("-A RK8S-NODEPORTS")).length, 2);
  });

  await t.step(
    "internalTrafficPolicy Local: the cluster IP goes to this node's endpoints only",
    () => {
      const r = plan({ internalTrafficPolicy: "Local" });
      const svl = [...chainOf(r, "RK8S-SVL-")];
      assert.equal(svl.length, 1);
      assert.deepEqual([...chainOf(r, "RK8S-SVC-")], [], "no chain over all endpoints is needed");
      assert.match(r, new RegExp(`-A RK8S-SERVICES -d 10\\.96\\.0\\.7/32 .* -j ${svl[0]}$`, "m"));
      const toLocal = r.split("\n").filter((l) => l.startsWith(`-A ${svl[0]} `));
      assert.equal(toLocal.length, 1, "one local endpoint, no random choice");
      assert.match(r, /-j DNAT --to-destination 10\.244\.1\.5:8080/);
      assert.doesNotMatch(r, /10\.244\.2\.5:8080/);
      const none = plan({ internalTrafficPolicy: "Local" }, [
        slice("web", [{ port: 8080 }], [{ ip: "10.244.2.5", nodeName: "node-2" }]),
      ]);
      assert.match(
        none,
        /-A RK8S-SERVICES -d 10\.96\.0\.7\/32 .*has no local endpoints" --dport 80 -j DROP/,
      );
    },
  );

  await t.step(
    "externalTrafficPolicy Local: node port to local endpoints, no masquerade; cluster IP to all",
    () => {
      const r = plan({
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, nodePort: 30080 }],
      });
      const np = r.split("\n").filter((l) => l.startsWith("-A RK8S-NODEPORTS"));
      assert.equal(np.length, 1, "no RK8S-MARK-MASQ: the client's address is kept");
      assert.match(np[0]!, /--dport 30080 -j RK8S-SVL-/);
      assert.match(r, /-A RK8S-SERVICES -d 10\.96\.0\.7\/32 .* -j RK8S-SVC-/);
      assert.equal(chainOf(r, "RK8S-SEP-").size, 2);
      const none = plan({
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, nodePort: 30080 }],
      }, [
        slice("web", [{ port: 8080 }], [{ ip: "10.244.2.5", nodeName: "node-2" }]),
      ]);
      assert.match(none, /--dst-type LOCAL .*has no local endpoints" --dport 30080 -j DROP/);
    },
  );
});
