import assert from "node:assert/strict";
import { admitDefaultTolerations } from "./default_toleration_seconds.ts";

const notReady = (s: number) => ({
  key: "node.kubernetes.io/not-ready",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: s,
});
const unreachable = (s: number) => ({
  key: "node.kubernetes.io/unreachable",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: s,
});

Deno.test("DefaultTolerationSeconds adds what a new pod does not tolerate, as the admission plugin", async (t) => {
  const cases: [string, unknown[] | undefined, unknown[]][] = [
    ["none", undefined, [notReady(300), unreachable(30)]],
    ["a toleration of everything (no key, no effect)", [{ operator: "Exists" }], [{
      operator: "Exists",
    }]],
    [
      "no key, effect NoSchedule: tolerates neither",
      [{ operator: "Exists", effect: "NoSchedule" }],
      [
        { operator: "Exists", effect: "NoSchedule" },
        notReady(300),
        unreachable(30),
      ],
    ],
    ["its own not-ready toleration stays and counts", [notReady(5)], [
      notReady(5),
      unreachable(30),
    ]],
  ];
  for (const [name, given, expected] of cases) {
    await t.step(name, () => {
      const pod = { spec: given ? { tolerations: structuredClone(given) } : {} } as {
        spec: { tolerations?: unknown[] };
      };
      admitDefaultTolerations(pod, undefined, { unreachableSeconds: 30 });
      assert.deepEqual(pod.spec.tolerations, expected);
    });
  }
  await t.step("an update adds nothing", () => {
    const pod = { spec: { tolerations: [] } };
    admitDefaultTolerations(pod, { spec: {} });
    assert.deepEqual(pod.spec.tolerations, []);
  });
});
