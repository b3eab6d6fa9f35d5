/**
 * PriorityClasses and the Priority admission plugin against a real etcd and rks, with the real
 * kubectl.
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "./_testing.ts";

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function fails(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should fail: ${r.stdout}`);
  return r.stderr.trim();
}

const pod = (name: string, spec = "") =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: c, image: busybox}]
${spec}`;

async function podSpec(c: TestCluster, name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await ok(c, ["get", "pod", name, "-o", "json"])).spec;
}

Deno.test({
  name: "PriorityClasses: system classes, Priority admission, globalDefault, validation",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("grpc");

    await t.step("kubectl get priorityclasses lists the two system classes", async () => {
      const out = await ok(c, ["get", "priorityclasses"]);
      const lines = out.trim().split("\n");
      assert.match(lines[0]!, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
      assert.match(
        out,
        /system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority/,
      );
      assert.match(out, /system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority/);
      assert.match(
        await ok(c, ["get", "pc", "system-node-critical", "-o", "jsonpath={.description}"]),
        /must not be moved/,
      );
    });

    await t.step("a pod without a class gets priority 0 and PreemptLowerPriority", async () => {
      await ok(c, ["create", "-f", "-"], pod("plain"));
      const spec = await podSpec(c, "plain");
      assert.equal(spec.priority, 0);
      assert.equal(spec.preemptionPolicy, "PreemptLowerPriority");
      assert.equal(spec.priorityClassName, undefined);
    });

    await t.step("priorityClassName resolves to the class's value and policy", async () => {
      await ok(c, ["create", "priorityclass", "high", "--value=1000", "--preemption-policy=Never"]);
      await ok(c, ["create", "-f", "-"], pod("important", "  priorityClassName: high\n"));
      const spec = await podSpec(c, "important");
      assert.equal(spec.priority, 1000);
      assert.equal(spec.preemptionPolicy, "Never");
      await ok(
        c,
        ["create", "-f", "-"],
        pod("node-crit", "  priorityClassName: system-node-critical\n"),
      );
      assert.equal((await podSpec(c, "node-crit")).priority, 2000001000);
      assert.match(
        await ok(c, ["describe", "pod", "important"]),
        /Priority:\s+1000\n.*Priority Class Name:\s+high/s,
      );
    });

    await t.step("an unknown class or a priority that differs is 403 Forbidden", async () => {
      assert.equal(
        await fails(c, ["create", "-f", "-"], pod("lost", "  priorityClassName: nope\n")),
        'Error from server (Forbidden): error when creating "STDIN": pods "lost" is forbidden: no PriorityClass with name nope was found',
      );
      assert.match(
        await fails(
          c,
          ["create", "-f", "-"],
          pod("liar", "  priorityClassName: high\n  priority: 5\n"),
        ),
        /pods "liar" is forbidden: the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name/,
      );
      assert.match(await fails(c, ["get", "pod", "lost"]), /NotFound/);
    });

    await t.step(
      "one globalDefault class: pods without a class get it; a second default is refused",
      async () => {
        await ok(c, ["create", "priorityclass", "low", "--value=10", "--global-default"]);
        assert.match(await ok(c, ["get", "pc", "low"]), /low\s+10\s+true/);
        await ok(c, ["create", "-f", "-"], pod("defaulted"));
        const spec = await podSpec(c, "defaulted");
        assert.equal(spec.priorityClassName, "low");
        assert.equal(spec.priority, 10);
        assert.match(
          await fails(c, ["create", "priorityclass", "other", "--value=20", "--global-default"]),
          /"other" is forbidden: PriorityClass low is already marked as default\. Only one default can exist/,
        );
        await ok(c, [
          "patch",
          "pc",
          "low",
          "--type=merge",
          "-p",
          '{"description":"still default"}',
        ]);
      },
    );

    await t.step("validation: reserved names, values above 1e9, immutable value", async () => {
      assert.match(
        await fails(c, ["create", "priorityclass", "system-mine", "--value=5"]),
        /is invalid: metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only\. error: system-mine is not a known system priority class/,
      );
      assert.match(
        await fails(c, ["create", "priorityclass", "huge", "--value=1000000001"]),
        /is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000/,
      );
      assert.match(
        await fails(c, ["patch", "pc", "high", "--type=merge", "-p", '{"value":7}']),
        /value: Forbidden: may not be changed in an update/,
      );
      assert.match(
        await fails(
          c,
          ["create", "-f", "-"],
          "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: bad}\nvalue: 1\npreemptionPolicy: Sometimes\n",
        ),
        /preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"/,
      );
    });

    await t.step("system classes cannot be deleted; user classes can", async () => {
      assert.equal(
        await fails(c, ["delete", "pc", "system-node-critical"]),
        'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
      );
      await ok(c, ["delete", "pc", "high"]);
      assert.match(await fails(c, ["get", "pc", "high"]), /NotFound/);
    });

    await t.step("an update keeps the pod's admitted priority", async () => {
      const live = JSON.parse(await ok(c, ["get", "pod", "important", "-o", "json"]));
      delete live.spec.priority;
      live.metadata.labels = { touched: "yes" };
      await ok(c, ["replace", "-f", "-"], JSON.stringify(live));
      const spec = await podSpec(c, "important");
      assert.equal(spec.priority, 1000);
    });
  },
});
