import assert from "node:assert/strict";
import { pickOneNodeForPreemption, preemptionFor } from "./default_preemption.ts";
import { NodeInfo, type PodInfo, podInfo } from "./node_info.ts";
import { buildProfile } from "./profile.ts";
import { schedulePod } from "./schedule_pod.ts";
import type { Pod, PodSpecLike, Taint } from "./types.ts";

interface Placed {
  name: string;
  cpu: string;
  priority?: number;
  labels?: Record<string, string>;
  started?: string;
  terminating?: boolean;
}

function pod(p: Placed, spec: PodSpecLike = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: "default",
      labels: p.labels ?? {},
      uid: `uid-${p.name}`,
      creationTimestamp: "2026-01-01T00:00:00Z",
      ...(p.terminating ? { deletionTimestamp: "2026-01-01T00:10:00Z" } : {}),
    },
    spec: {
      containers: [{ name: "c", resources: { requests: { cpu: p.cpu } } }],
      ...(p.priority === undefined ? {} : { priority: p.priority }),
      ...spec,
    },
    status: p.started ? { startTime: p.started } : {},
  };
}

function node(name: string, cpu: string, pods: Placed[], taints?: Taint[]): NodeInfo {
  const n = new NodeInfo({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    ...(taints ? { spec: { taints } } : {}),
    status: { allocatable: { cpu, memory: "8Gi", pods: "110" } },
  });
  for (const p of pods) n.addPod(podInfo(pod(p)));
  return n;
}

interface Case {
  name: string;
  nodes: NodeInfo[];
  preemptor: Pod;
  /** Expected node and victims (names), or the `preemption:` message. */
  want: { node: string; victims: string[] } | string;
}

const HIGH = 1000;
const noSchedule: Taint[] = [{ key: "dedicated", value: "db", effect: "NoSchedule" }];

const cases: Case[] = [
  {
    name: "evicts only what is needed: the least important pod goes, the other is reprieved",
    nodes: [node("n1", "2", [{ name: "low", cpu: "1", priority: 10 }, {
      name: "lowest",
      cpu: "1",
      priority: 1,
    }])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want: { node: "n1", victims: ["lowest"] },
  },
  {
    name: "reprieves the most important first, even when that costs a bigger victim",
    nodes: [node("n1", "3", [{ name: "big", cpu: "2", priority: 5 }, {
      name: "small",
      cpu: "1",
      priority: 1,
    }])],
    preemptor: pod({ name: "p", cpu: "2", priority: HIGH }),
    // big (more important) is tried first: with it back only 0 free → victim; small then fits back.
    want: { node: "n1", victims: ["big"] },
  },
  {
    name: "equal priority, earlier start is more important: the newer pod is the victim",
    nodes: [node("n1", "2", [
      { name: "old", cpu: "1", priority: 1, started: "2026-01-01T00:00:00Z" },
      { name: "new", cpu: "1", priority: 1, started: "2026-01-02T00:00:00Z" },
    ])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want: { node: "n1", victims: ["new"] },
  },
  {
    name: "pods of equal or higher priority are never victims",
    nodes: [node("n1", "1", [{ name: "peer", cpu: "1", priority: HIGH }])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want: "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  },
  {
    name: "evicting everything lower is not enough: no victims",
    nodes: [node("n1", "2", [{ name: "peer", cpu: "1500m", priority: HIGH }, {
      name: "low",
      cpu: "500m",
      priority: 1,
    }])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want: "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  },
  {
    name: "a node refused as unresolvable (untolerated taint) is not a candidate",
    nodes: [
      node("tainted", "4", [{ name: "low-a", cpu: "1", priority: 1 }], noSchedule),
      node("full", "1", [{ name: "low-b", cpu: "1", priority: 1 }]),
    ],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want: { node: "full", victims: ["low-b"] },
  },
  {
    name: "nothing helps: one unresolvable, one without victims",
    nodes: [
      node("tainted", "1", [{ name: "low-a", cpu: "1", priority: 1 }], noSchedule),
      node("full", "1", [{ name: "peer", cpu: "1", priority: HIGH + 1 }]),
    ],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }),
    want:
      "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
  },
  {
    name: "picks the node whose most important victim has the lowest priority",
    nodes: [
      node("a", "1", [{ name: "mid", cpu: "1", priority: 50 }]),
      node("b", "2", [{ name: "l1", cpu: "1", priority: 10 }, {
        name: "l2",
        cpu: "1",
        priority: 10,
      }]),
    ],
    preemptor: pod({ name: "p", cpu: "2", priority: HIGH }),
    want: { node: "b", victims: ["l1", "l2"] },
  },
  {
    name: "then the lowest sum of victim priorities (so the fewest victims)",
    nodes: [
      node("a", "2", [{ name: "a1", cpu: "1", priority: 10 }, {
        name: "a2",
        cpu: "1",
        priority: 10,
      }]),
      node("b", "2", [{ name: "b1", cpu: "2", priority: 10 }]),
    ],
    preemptor: pod({ name: "p", cpu: "2", priority: HIGH }),
    want: { node: "b", victims: ["b1"] },
  },
  {
    name: "required anti-affinity with a lower-priority pod is resolved by evicting it",
    nodes: [node("n1", "4", [{ name: "db", cpu: "1", priority: 1, labels: { app: "db" } }])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }, {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: "db" } },
            topologyKey: "kubernetes.io/hostname",
          }],
        },
      },
    }),
    want: { node: "n1", victims: ["db"] },
  },
  {
    name: "preemptionPolicy Never is not eligible",
    nodes: [node("n1", "1", [{ name: "low", cpu: "1", priority: 1 }])],
    preemptor: pod({ name: "p", cpu: "1", priority: HIGH }, { preemptionPolicy: "Never" }),
    want: "preemption: not eligible due to preemptionPolicy=Never.",
  },
];

Deno.test("preemptionFor() picks victims and nodes as kube-scheduler's DefaultPreemption", async (t) => {
  const profile = buildProfile();
  for (const c of cases) {
    await t.step(c.name, () => {
      const info = podInfo(c.preemptor);
      const r = schedulePod(info, c.nodes, profile);
      assert.equal(r.ok, false, "the preemptor must not fit without preemption");
      if (r.ok) return;
      const got = preemptionFor(info, c.nodes, r.failures, profile, { random: () => 0 });
      if (typeof c.want === "string") {
        assert.deepEqual(got, { ok: false, message: c.want });
      } else {
        assert.ok(got.ok, `expected a candidate, got ${JSON.stringify(got)}`);
        assert.equal(got.node, c.want.node);
        assert.deepEqual(got.victims.map((v) => v.pod.metadata.name), c.want.victims);
      }
    });
  }
});

Deno.test("preemptionFor() waits while a lower-priority pod is terminating on the nominated node", () => {
  const profile = buildProfile();
  const nodes = [node("n1", "1", [{ name: "going", cpu: "1", priority: 1, terminating: true }])];
  const p = pod({ name: "p", cpu: "1", priority: HIGH });
  p.status = { nominatedNodeName: "n1" };
  const info = podInfo(p);
  const r = schedulePod(info, nodes, profile);
  assert.ok(!r.ok);
  assert.deepEqual(preemptionFor(info, nodes, r.failures, profile), {
    ok: false,
    message: "preemption: not eligible due to a terminating pod on the nominated node.",
  });
  // Without the nomination the same pod may preempt (the terminating pod is a victim again).
  const fresh = podInfo(pod({ name: "q", cpu: "1", priority: HIGH }));
  const again = preemptionFor(fresh, nodes, r.failures, profile);
  assert.ok(again.ok && again.node === "n1");
});

Deno.test("pickOneNodeForPreemption() tie-breaks by sum of priorities, then latest start", () => {
  const v = (name: string, priority: number, started: string): PodInfo =>
    podInfo(pod({ name, cpu: "1", priority, started }));
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = "2026-01-02T00:00:00Z";
  // Same highest victim priority (5); a's sum 5+1 < b's sum 5+4.
  assert.equal(
    pickOneNodeForPreemption([
      { ok: true, node: "b", victims: [v("b1", 5, t0), v("b2", 4, t0)] },
      { ok: true, node: "a", victims: [v("a1", 5, t0), v("a2", 1, t0)] },
    ])?.node,
    "a",
  );
  // Same priorities and counts: the node whose top victims started latest.
  assert.equal(
    pickOneNodeForPreemption([
      { ok: true, node: "early", victims: [v("e", 5, t0)] },
      { ok: true, node: "late", victims: [v("l", 5, t1)] },
    ])?.node,
    "late",
  );
  assert.equal(pickOneNodeForPreemption([]), undefined);
});
