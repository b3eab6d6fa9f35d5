import assert from "node:assert/strict";
import {
  type ObservedReplica,
  planUp,
  type PlanUpOptions,
  restartDependents,
} from "./up_planner.ts";

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
    [
      "depends_on.restart: a recreated dependency restarts its running dependents",
      [d("db", 1, "h2"), d("web", 1, "h"), d("web", 2, "h"), d("job", 1, "h")],
      [o("db", 1, "h"), o("web", 1, "h"), o("web", 2, "h"), o("job", 1, "h")],
      { restartDependents: { db: ["web"] } },
      ["recreate db/1", "restart web/1", "restart web/2", "keep job/1"],
    ],
    [
      "depends_on.restart: nothing restarts when the dependency is kept",
      [d("db", 1, "h"), d("web", 1, "h")],
      [o("db", 1, "h"), o("web", 1, "h")],
      { restartDependents: { db: ["web"] } },
      ["keep db/1", "keep web/1"],
    ],
    [
      "depends_on.restart: a dependency only restarted because it stopped does not restart others",
      [d("db", 1, "h"), d("web", 1, "h")],
      [o("db", 1, "h", false), o("web", 1, "h")],
      { restartDependents: { db: ["web"] } },
      ["recreate db/1", "keep web/1"],
    ],
    [
      "depends_on.restart: a dependent recreated anyway, or not running, is not restarted too",
      [d("db", 1, "h2"), d("web", 1, "h2"), d("api", 1, "h")],
      [o("db", 1, "h"), o("web", 1, "h"), o("api", 1, "h", false)],
      { restartDependents: { db: ["api", "web"] } },
      ["recreate db/1", "recreate web/1", "recreate api/1"],
    ],
    [
      "depends_on.restart: a dependent outside the selected services is restarted too",
      [d("db", 1, "h2"), d("web", 1, "h")],
      [o("db", 1, "h"), o("web", 1, "h")],
      { selected: ["db"], restartDependents: { db: ["web"] } },
      ["recreate db/1", "restart web/1"],
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

Deno.test("restartDependents() lists only dependents with restart: true", () => {
  const dep = (restart: boolean) => ({ restart });
  assert.deepEqual(
    restartDependents({
      db: { dependsOn: {} },
      cache: { dependsOn: {} },
      web: { dependsOn: { db: dep(true), cache: dep(false) } },
      worker: { dependsOn: { db: dep(true), cache: dep(true) } },
      job: { dependsOn: { db: dep(false) } },
    }),
    { db: ["web", "worker"], cache: ["worker"] },
  );
});
