/**
 * Table-driven tests of the filter and score plugins through `schedulePod`, as the original
 * project's scheduler tests: exact fit, zero-request pods, multiple taints, Exists toleration,
 * init containers, node affinity operators, host ports, inter-pod (anti-)affinity per hostname
 * and zone, topology spread, and each score strategy.
 */
import assert from "node:assert/strict";
import { NodeInfo, podInfo } from "./node_info.ts";
import { buildProfile, type SchedulerConfig } from "./profile.ts";
import { schedulePod } from "./schedule_pod.ts";
import type { Node, Pod, PodSpecLike, Taint } from "./types.ts";

const GI = "Gi";

interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  zone?: string;
}

function node(name: string, o: NodeOpts = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        ...(o.zone ? { "topology.kubernetes.io/zone": o.zone } : {}),
        ...o.labels,
      },
    },
    spec: {
      ...(o.taints ? { taints: o.taints } : {}),
      ...(o.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      allocatable: { cpu: o.cpu ?? "4", memory: o.memory ?? `8${GI}`, pods: o.pods ?? "110" },
    },
  };
}

function pod(
  name: string,
  cpu?: string,
  memory?: string,
  spec: PodSpecLike = {},
  labels: Record<string, string> = {},
): Pod {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "c", resources: { requests } }], ...spec },
  };
}

/** Builds node infos with existing pods placed: `[node, [pods on it]]`. */
function cluster(entries: [Node, Pod[]][]): NodeInfo[] {
  return entries.map(([n, pods]) => {
    const info = new NodeInfo(n);
    for (const p of pods) {
      info.addPod(podInfo({ ...p, spec: { ...p.spec, nodeName: n.metadata.name } }));
    }
    return info;
  });
}

interface Case {
  name: string;
  nodes: [Node, Pod[]][];
  pod: Pod;
  /** Expected node, or the expected FailedScheduling message. */
  want: string | RegExp;
  config?: SchedulerConfig;
}

const hostAnti = (app: string) => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{
      labelSelector: { matchLabels: { app } },
      topologyKey: "kubernetes.io/hostname",
    }],
  },
});

/** A spec with one topology spread constraint over `app: web` pods (zones by default). */
function spreadWeb(
  maxSkew: number,
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway",
  topologyKey = "topology.kubernetes.io/zone",
): PodSpecLike {
  return {
    topologySpreadConstraints: [{
      maxSkew,
      topologyKey,
      whenUnsatisfiable,
      labelSelector: { matchLabels: { app: "web" } },
    }],
  };
}

const cases: Case[] = [
  {
    name: "exact fit: a pod that needs exactly what is left fits",
    nodes: [[node("n1", { cpu: "2", memory: "2Gi" }), [pod("a", "1", "1Gi")]]],
    pod: pod("p", "1", "1Gi"),
    want: "n1",
  },
  {
    name: "one millicore over: Insufficient cpu",
    nodes: [[node("n1", { cpu: "2", memory: "2Gi" }), [pod("a", "1", "1Gi")]]],
    pod: pod("p", "1001m", "1Gi"),
    want:
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  },
  {
    name: "zero-request pod fits a node whose cpu and memory are fully requested",
    nodes: [[node("n1", { cpu: "1", memory: "1Gi" }), [pod("a", "1", "1Gi")]]],
    pod: pod("p"),
    want: "n1",
  },
  {
    name: "pods count: Too many pods",
    nodes: [[node("n1", { pods: "1" }), [pod("a")]]],
    pod: pod("p"),
    want: /^0\/1 nodes are available: 1 Too many pods\./,
  },
  {
    name: "cpu and memory both short: both reasons, per node",
    nodes: [[node("n1", { cpu: "1", memory: "1Gi" }), []], [
      node("n2", { cpu: "1", memory: "1Gi" }),
      [],
    ]],
    pod: pod("p", "2", "2Gi"),
    want: /^0\/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory\./,
  },
  {
    name: "init container larger than the app containers' sum decides the request",
    nodes: [[node("n1", { cpu: "1" }), []]],
    pod: pod("p", "100m", undefined, {
      initContainers: [{ name: "i", resources: { requests: { cpu: "1500m" } } }],
    }),
    want: /1 Insufficient cpu/,
  },
  {
    name: "sidecar init container adds to the app containers",
    nodes: [[node("n1", { cpu: "1" }), []]],
    pod: pod("p", "600m", undefined, {
      initContainers: [{
        name: "s",
        restartPolicy: "Always",
        resources: { requests: { cpu: "500m" } },
      }],
    }),
    want: /1 Insufficient cpu/,
  },
  {
    name: "multiple taints: the first untolerated one is reported",
    nodes: [[
      node("n1", {
        taints: [{ key: "a", value: "1", effect: "NoSchedule" }, { key: "b", effect: "NoExecute" }],
      }),
      [],
    ]],
    pod: pod("p", undefined, undefined, {
      tolerations: [{ key: "a", value: "1", effect: "NoSchedule" }],
    }),
    want:
      "0/1 nodes are available: 1 node(s) had untolerated taint {b: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
  },
  {
    name: "multiple taints all tolerated (Exists toleration with empty key tolerates everything)",
    nodes: [[
      node("n1", {
        taints: [{ key: "a", value: "1", effect: "NoSchedule" }, { key: "b", effect: "NoExecute" }],
      }),
      [],
    ]],
    pod: pod("p", undefined, undefined, { tolerations: [{ operator: "Exists" }] }),
    want: "n1",
  },
  {
    name: "Exists toleration on the key ignores the value",
    nodes: [[
      node("n1", { taints: [{ key: "gpu", value: "anything", effect: "NoSchedule" }] }),
      [],
    ]],
    pod: pod("p", undefined, undefined, { tolerations: [{ key: "gpu", operator: "Exists" }] }),
    want: "n1",
  },
  {
    name: "PreferNoSchedule does not filter",
    nodes: [[node("n1", { taints: [{ key: "x", effect: "PreferNoSchedule" }] }), []]],
    pod: pod("p"),
    want: "n1",
  },
  {
    name: "the kube-scheduler example: 2 short of cpu, 1 unreachable",
    nodes: [
      [node("n1", { cpu: "1" }), []],
      [node("n2", { cpu: "1" }), []],
      [
        node("n3", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }),
        [],
      ],
    ],
    pod: pod("p", "2"),
    want:
      "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. " +
      "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  },
  {
    name: "cordoned node is skipped",
    nodes: [[node("n1", { unschedulable: true }), []], [node("n2"), []]],
    pod: pod("p"),
    want: "n2",
  },
  {
    name: "cordoned only: node(s) were unschedulable",
    nodes: [[node("n1", { unschedulable: true }), []]],
    pod: pod("p"),
    want: /^0\/1 nodes are available: 1 node\(s\) were unschedulable\./,
  },
  {
    name: "nodeSelector",
    nodes: [[node("n1", { labels: { disk: "hdd" } }), []], [
      node("n2", { labels: { disk: "ssd" } }),
      [],
    ]],
    pod: pod("p", undefined, undefined, { nodeSelector: { disk: "ssd" } }),
    want: "n2",
  },
  {
    name: "nodeSelector matching nothing",
    nodes: [[node("n1"), []]],
    pod: pod("p", undefined, undefined, { nodeSelector: { disk: "ssd" } }),
    want: /1 node\(s\) didn't match Pod's node affinity\/selector\./,
  },
  ...(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const).map((op): Case => {
    const values = op === "Gt"
      ? ["4"]
      : op === "Lt"
      ? ["16"]
      : op === "Exists" || op === "DoesNotExist"
      ? undefined
      : ["8"];
    const want =
      { In: "n8", NotIn: "n16", Exists: "n8", DoesNotExist: "bare", Gt: "n8", Lt: "n8" }[op];
    const excluded = {
      In: ["n16", "bare"],
      NotIn: ["n8"],
      Exists: ["bare", "n16"],
      DoesNotExist: ["n8", "n16"],
      Gt: ["bare"],
      Lt: ["n16", "bare"],
    }[op];
    // Every node the affinity allows, except the wanted one, is too full for the pod.
    const busy = (n: string) => n === want || excluded.includes(n) ? [] : [pod(`busy-${n}`, "3")];
    return {
      name: `required node affinity, operator ${op}`,
      nodes: [
        [node("n8", { labels: { cores: "8" } }), busy("n8")],
        [node("n16", { labels: { cores: "16" } }), busy("n16")],
        [node("bare"), busy("bare")],
      ],
      pod: pod("p", "2", undefined, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{
                matchExpressions: [{ key: "cores", operator: op, ...(values ? { values } : {}) }],
              }],
            },
          },
        },
      }),
      want,
    };
  }),
  {
    name: "node affinity terms are ORed",
    nodes: [[node("a", { labels: { zone: "z1" } }), []], [
      node("b", { labels: { zone: "z2" } }),
      [],
    ]],
    pod: pod("p", undefined, undefined, {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "zone", operator: "In", values: ["z9"] }] },
              { matchFields: [{ key: "metadata.name", operator: "In", values: ["b"] }] },
            ],
          },
        },
      },
    }),
    want: "b",
  },
  {
    name: "host port in use on n1",
    nodes: [
      [node("n1"), [{
        ...pod("a"),
        spec: { containers: [{ ports: [{ containerPort: 80, hostPort: 8080 }] }] },
      }]],
      [node("n2", { cpu: "1" }), []],
    ],
    pod: {
      ...pod("p"),
      spec: { containers: [{ ports: [{ containerPort: 80, hostPort: 8080 }] }] },
    },
    want: "n2",
  },
  {
    name: "same host port, other protocol: no conflict",
    nodes: [[node("n1"), [{
      ...pod("a"),
      spec: { containers: [{ ports: [{ containerPort: 53, hostPort: 53, protocol: "UDP" }] }] },
    }]]],
    pod: { ...pod("p"), spec: { containers: [{ ports: [{ containerPort: 53, hostPort: 53 }] }] } },
    want: "n1",
  },
  {
    name: "required pod anti-affinity on hostname",
    nodes: [[node("n1"), [pod("w1", undefined, undefined, {}, { app: "web" })]], [
      node("n2", { cpu: "1" }),
      [],
    ]],
    pod: pod("w2", undefined, undefined, { affinity: hostAnti("web") }, { app: "web" }),
    want: "n2",
  },
  {
    name: "required pod anti-affinity everywhere: reason",
    nodes: [[node("n1"), [pod("w1", undefined, undefined, {}, { app: "web" })]]],
    pod: pod("w2", undefined, undefined, { affinity: hostAnti("web") }, { app: "web" }),
    want: /1 node\(s\) didn't match pod anti-affinity rules\./,
  },
  {
    name: "existing pod's anti-affinity keeps the incoming pod away",
    nodes: [
      [node("n1"), [pod("db", undefined, undefined, { affinity: hostAnti("web") }, { app: "db" })]],
      [node("n2", { cpu: "1" }), []],
    ],
    pod: pod("w", undefined, undefined, {}, { app: "web" }),
    want: "n2",
  },
  {
    name: "required pod affinity on zone: follows the db into zone z2",
    nodes: [
      [node("a", { zone: "z1" }), []],
      [node("b", { zone: "z2", cpu: "1" }), [pod("db", undefined, undefined, {}, { app: "db" })]],
      [node("c", { zone: "z2", cpu: "2" }), []],
    ],
    pod: pod("web", undefined, undefined, {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: "db" } },
            topologyKey: "topology.kubernetes.io/zone",
          }],
        },
      },
    }),
    want: "c",
  },
  {
    name: "required pod affinity with no match anywhere: unresolvable",
    nodes: [[node("a", { zone: "z1" }), []]],
    pod: pod("web", undefined, undefined, {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: "db" } },
            topologyKey: "topology.kubernetes.io/zone",
          }],
        },
      },
    }),
    want:
      "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
  },
  {
    name: "required pod affinity to itself: the first pod of the group may go anywhere",
    nodes: [[node("a", { zone: "z1" }), []]],
    pod: pod("web", undefined, undefined, {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: "web" } },
            topologyKey: "topology.kubernetes.io/zone",
          }],
        },
      },
    }, { app: "web" }),
    want: "a",
  },
  {
    name: "topology spread DoNotSchedule on zones: goes to the emptier zone even if fuller in cpu",
    nodes: [
      [node("a", { zone: "z1" }), [pod("w1", undefined, undefined, {}, { app: "web" })]],
      [node("b", { zone: "z2", cpu: "1" }), []],
    ],
    pod: pod("w2", undefined, undefined, spreadWeb(1, "DoNotSchedule"), { app: "web" }),
    want: "b",
  },
  {
    name: "topology spread: node without the key is refused (missing required label)",
    nodes: [[node("a"), []]],
    pod: pod("w", undefined, undefined, spreadWeb(1, "DoNotSchedule"), { app: "web" }),
    want: /1 node\(s\) didn't match pod topology spread constraints \(missing required label\)\./,
  },
  {
    name: "topology spread maxSkew 2 allows a second pod in the same zone",
    nodes: [
      [node("a", { zone: "z1", cpu: "8" }), [pod("w1", undefined, undefined, {}, { app: "web" })]],
      [node("b", { zone: "z2", cpu: "1" }), [pod("filler", "900m")]],
    ],
    pod: pod("w2", undefined, undefined, spreadWeb(2, "DoNotSchedule"), { app: "web" }),
    want: "a",
  },
  {
    name: "LeastAllocated (default) prefers the emptier node",
    nodes: [[node("a"), [pod("x", "2", "4Gi")]], [node("b"), [pod("y", "1", "1Gi")]]],
    pod: pod("p", "500m", "512Mi"),
    want: "b",
  },
  {
    name: "MostAllocated prefers the fuller node",
    nodes: [[node("a"), [pod("x", "2", "4Gi")]], [node("b"), [pod("y", "1", "1Gi")]]],
    pod: pod("p", "500m", "512Mi"),
    config: { scoringStrategy: "MostAllocated", weights: { NodeResourcesBalancedAllocation: 0 } },
    want: "a",
  },
  {
    name: "BalancedAllocation alone prefers the node where cpu and memory end up even",
    nodes: [[node("a"), [pod("x", "2")]], [node("b"), [pod("y", "2", "4Gi")]]],
    pod: pod("p", "1", "2Gi"),
    config: { weights: { NodeResourcesFit: 0 } },
    want: "b",
  },
  {
    name: "preferred node affinity outweighs resources",
    nodes: [[node("a", { labels: { disk: "ssd" } }), [pod("x", "2")]], [node("b"), []]],
    pod: pod("p", "100m", undefined, {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] },
          }],
        },
      },
    }),
    want: "a",
  },
  {
    name: "preferred pod anti-affinity avoids the zone with a matching pod",
    nodes: [
      [node("a", { zone: "z1" }), [pod("w1", undefined, undefined, {}, { app: "web" })]],
      [node("b", { zone: "z2" }), [pod("x", "2", "4Gi")]],
    ],
    pod: pod("w2", undefined, undefined, {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { app: "web" } },
              topologyKey: "topology.kubernetes.io/zone",
            },
          }],
        },
      },
    }, { app: "web" }),
    want: "b",
  },
  {
    name: "topology spread ScheduleAnyway scores the emptier zone higher",
    nodes: [
      [node("a", { zone: "z1" }), [
        pod("w1", undefined, undefined, {}, { app: "web" }),
        pod("w3", undefined, undefined, {}, { app: "web" }),
      ]],
      [node("b", { zone: "z2" }), [pod("x", "2", "4Gi")]],
    ],
    pod: pod("w2", undefined, undefined, spreadWeb(1, "ScheduleAnyway"), { app: "web" }),
    want: "b",
  },
  {
    name: "PreferNoSchedule taint scores lower",
    nodes: [[node("a", { taints: [{ key: "x", effect: "PreferNoSchedule" }] }), []], [node("b"), [
      pod("y", "1", "1Gi"),
    ]]],
    pod: pod("p", "100m"),
    want: "b",
  },
  {
    name: "no nodes",
    nodes: [],
    pod: pod("p"),
    want: "no nodes available to schedule pods",
  },
  {
    name: "preemptionPolicy Never",
    nodes: [[node("n1", { cpu: "1" }), []]],
    pod: pod("p", "2", undefined, { preemptionPolicy: "Never" }),
    want:
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
  },
];

for (const c of cases) {
  Deno.test(`schedulePod: ${c.name}`, () => {
    const r = schedulePod(podInfo(c.pod), cluster(c.nodes), buildProfile(c.config), {
      random: () => 0.99,
    });
    const got = r.ok ? r.node : r.message;
    if (typeof c.want === "string") assert.equal(got, c.want);
    else assert.match(got, c.want);
  });
}

Deno.test("schedulePod: a burst spreads over equal nodes (LeastAllocated) and never over-commits", () => {
  const nodes = cluster([1, 2, 3].map((i) => [node(`n${i}`, { cpu: "1", memory: "4Gi" }), []]));
  const placed = new Map<string, number>();
  for (let i = 0; i < 7; i++) {
    const info = podInfo(pod(`p${i}`, "500m", "512Mi"));
    const r = schedulePod(info, nodes, buildProfile());
    if (!r.ok) {
      assert.equal(i, 6, `pod ${i} should fit`);
      assert.match(r.message, /^0\/3 nodes are available: 3 Insufficient cpu\./);
      continue;
    }
    nodes.find((n) => n.name === r.node)!.addPod(info);
    placed.set(r.node, (placed.get(r.node) ?? 0) + 1);
  }
  assert.deepEqual([...placed.values()].sort(), [2, 2, 2]);
});

Deno.test("schedulePod: percentageOfNodesToScore stops filtering early and rotates the start", () => {
  const nodes = cluster(
    Array.from({ length: 200 }, (_, i) => [node(`n${String(i).padStart(3, "0")}`), []]),
  );
  const r = schedulePod(podInfo(pod("p")), nodes, buildProfile({ percentageOfNodesToScore: 10 }), {
    startIndex: 150,
  });
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.equal(r.evaluated, 100); // at least 100 nodes
    assert.equal(r.nextStartIndex, 50);
  }
});

Deno.test("schedulePod: a removed node is no longer a candidate", () => {
  const infos = cluster([[node("a"), []], [node("b"), [pod("x", "3")]]]);
  const first = schedulePod(podInfo(pod("p", "100m")), infos, buildProfile());
  assert.equal(first.ok && first.node, "a");
  const second = schedulePod(
    podInfo(pod("p", "100m")),
    infos.filter((n) => n.name !== "a"),
    buildProfile(),
  );
  assert.equal(second.ok && second.node, "b");
});
