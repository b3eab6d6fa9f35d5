import assert from "node:assert/strict";
import { type ObservedReplica, planUp, type PlanUpOptions } from "./up_planner.ts";

const d = (service: string, replica: number, hash: string) => ({ service, replica, hash });
const o = (service: string, replica: number, hash: string, running = true): ObservedReplica => ({
  pod: `p-${service}-${replica}`,
  service,
  replica,
  hash,
  running,
});

Deno.test("planUp() reconciles desired replicas against the project's pods", async (t) => {
  const cases: [
    string,
    ReturnType<typeof d>[],
    ObservedReplica[],
    Partial<PlanUpOptions>,
    string[],
  ][] = [
    ["first up creates everything", [d("a", 1, "h"), d("b", 1, "h")], [], {}, [
      "create a/1",
      "create b/1",
    ]],
    ["second up is a no-op", [d("a", 1, "h")], [o("a", 1, "h")], {}, ["keep a/1"]],
    [
      "a changed service is recreated, others kept",
      [d("a", 1, "h2"), d("b", 1, "h")],
      [o("a", 1, "h"), o("b", 1, "h")],
      {},
      ["recreate a/1", "keep b/1"],
    ],
    ["a stopped pod is recreated", [d("a", 1, "h")], [o("a", 1, "h", false)], {}, ["recreate a/1"]],
    ["--force-recreate", [d("a", 1, "h")], [o("a", 1, "h")], { forceRecreate: true }, [
      "recreate a/1",
    ]],
    ["scale up", [d("a", 1, "h"), d("a", 2, "h")], [o("a", 1, "h")], {}, [
      "keep a/1",
      "create a/2",
    ]],
    ["scale down", [d("a", 1, "h")], [o("a", 1, "h"), o("a", 2, "h")], {}, [
      "keep a/1",
      "remove a/2",
    ]],
    ["orphans reported", [d("a", 1, "h")], [o("a", 1, "h"), o("old", 1, "h")], {}, [
      "keep a/1",
      "orphan old",
    ]],
    ["--remove-orphans", [d("a", 1, "h")], [o("a", 1, "h"), o("old", 1, "h")], {
      removeOrphans: true,
    }, ["keep a/1", "remove old/1"]],
    [
      "selected services only",
      [d("a", 1, "h2"), d("b", 1, "h2")],
      [o("a", 1, "h"), o("b", 1, "h"), o("b", 2, "h")],
      { selected: ["a"] },
      ["recreate a/1"],
    ],
  ];
  for (const [name, desired, observed, opts, want] of cases) {
    await t.step(name, () => {
      const modelServices = [...new Set(desired.map((x) => x.service))];
      const got = planUp(desired, observed, { modelServices, ...opts }).map((a) =>
        a.kind === "orphan" ? `orphan ${a.service}` : `${a.kind} ${a.service}/${a.replica}`
      );
      assert.deepEqual(got, want);
    });
  }
});
