/**
 * `kill -9` at random moments of real `rkl pod run`, `rkl container run` and `rm -f` processes,
 * then one `rm -f` or one `gc`: nothing of any kind is left (mounts, netns, veths, IPs,
 * iptables rules incl. host-port DNAT, cgroups, runtime containers, monitor processes, records,
 * state dirs) and the same manifest runs again. Before the recovery, a pod or container whose
 * creating process was killed is listed as interrupted (never `ContainerCreating` forever) and
 * shows no published host port. The number of trials and the time are bounded; the figures are
 * printed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { leftovers, recordIds } from "./_leftovers.ts";
import { filesIn, projectDir, rklTaskArgs, runRkl } from "./testing.ts";
import { freePort } from "../net/_test_util.ts";
import { processTable, processTree } from "../core/runtime/conmon.ts";
import { isRecord } from "../core/is_record.ts";
import { rootTest, tempDir } from "../core/testing.ts";

const busybox = join(projectDir, "testdata/bundles/busybox");

/** Trials per kind (bounded: each costs a process start, a kill and a recovery). */
const TRIALS = { podRun: 8, containerRun: 6, podRm: 3, containerRm: 2 };

/** No new trial starts after this long (the machine may be slow); at least one of each runs. */
const TRIAL_BUDGET_MS = 8 * 60_000;

/** Every id the root knows of: records, attachment records, namespaces. */
async function idsOf(root: string): Promise<string[]> {
  const r = await recordIds(root);
  return [
    ...r.containers,
    ...r.pods,
    ...await filesIn(join(root, "lib", "cni", "attachments")),
    ...await filesIn(join(root, "run", "netns")),
  ];
}

/**
 * Starts `rkl ARGS` as a real process with the rkl task's permissions, SIGKILLs it after
 * `delayMs` (unless it finished), then waits for the programs it had started directly (CNI
 * plugins, mount, iptables) to finish, as they would after a real crash.
 */
async function runAndKill(args: string[], delayMs: number): Promise<"killed" | "finished"> {
  const child = new Deno.Command("deno", {
    args: [...await rklTaskArgs(), ...args],
    cwd: projectDir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  let finished = false;
  const status = child.status.then((s) => {
    finished = true;
    return s;
  });
  await Promise.race([status, new Promise((r) => setTimeout(r, delayMs))]);
  if (finished) return "finished";
  const children = processTree(await processTable(), child.pid).slice(1);
  try {
    child.kill("SIGKILL");
  } catch { /* it exited just now */ }
  await status;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const alive = new Set((await processTable()).map((p) => p.pid));
    if (!children.some((pid) => alive.has(pid))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return "killed";
}

rootTest(
  "kill -9 at any moment of pod run, container run and rm -f is undone by one rm -f or gc",
  async () => {
    await using dir = await tempDir("rkl-crash-");
    const root = dir.path;
    const g = ["--root", root];
    const podFile = join(root, "pod.yaml");
    const ctrFile = join(root, "ctr.yaml");
    await Deno.writeTextFile(
      podFile,
      `apiVersion: v1\nkind: Pod\nmetadata: {name: crash}\nspec:\n` +
        `  terminationGracePeriodSeconds: 0\n  containers:\n` +
        `  - name: a\n    image: ${busybox}\n    args: [sleep, "3600"]\n` +
        `    ports: [{containerPort: 80, hostPort: ${freePort()}}]\n` +
        `  - {name: b, image: ${busybox}, args: [sleep, "3600"]}\n`,
    );
    await Deno.writeTextFile(
      ctrFile,
      `name: crash-c\nimage: ${busybox}\nargs: [sleep, "3600"]\n` +
        `ports: [{containerPort: 80, hostPort: ${freePort()}}]\n`,
    );
    const figures = {
      trials: 0,
      killed: 0,
      finishedBeforeKill: 0,
      withLeftoversBeforeRecovery: 0,
      leftoverItemsBeforeRecovery: 0,
      leftoverItemsAfterRecovery: 0,
      recoveredByRm: 0,
      recoveredByGc: 0,
      podStatusesSeen: {} as Record<string, number>,
      containerStatusesSeen: {} as Record<string, number>,
    };
    const started = Date.now();
    const perKind: Record<string, number> = {};
    const more = (kind: string, n: number, i: number) => {
      if (i >= n) return false;
      if (i > 0 && Date.now() - started > TRIAL_BUDGET_MS) return false;
      perKind[kind] = i + 1;
      return true;
    };
    const kinds = new Map<string, number>();
    const rand = (() => {
      let a = 0xc0ffee;
      return () => {
        a = (a * 1103515245 + 12345) % 2147483648;
        return a / 2147483648;
      };
    })();

    // How long each command takes when not killed: kill points are spread over that span.
    const durationOf = async (args: string[]) => {
      const started = Date.now();
      assert.equal(await runAndKill([...g, ...args], 600_000), "finished");
      return Date.now() - started;
    };
    const span = {
      pod: await durationOf(["pod", "run", podFile]),
      podRm: await durationOf(["pod", "rm", "-f", "crash"]),
      ctr: await durationOf(["c", "run", ctrFile]),
      ctrRm: await durationOf(["c", "rm", "-f", "crash-c"]),
    };
    assert.deepEqual(await leftovers(root, await idsOf(root)), []);

    // What `pod list` and `c list` show after the kill: a creation whose process is gone is
    // interrupted, and a host port is shown only while it is published.
    // Returns whether a workload is listed as fully created (the kill came after the creation
    // finished but before the command exited): gc rightly keeps those, so rm -f recovers them.
    const checkListed = async (label: string, outcome: string): Promise<boolean> => {
      let complete = false;
      const pods = await runRkl([...g, "pod", "list", "-o", "json"]);
      assert.equal(pods.code, 0, `${label}: pod list: ${pods.err}`);
      for (const p of JSON.parse(pods.out) as unknown[]) {
        if (!isRecord(p)) continue;
        figures.podStatusesSeen[String(p.status)] =
          (figures.podStatusesSeen[String(p.status)] ?? 0) + 1;
        if (outcome === "killed" && String(p.status) === "ContainerCreating") {
          assert.fail(`${label}: the pod's creator is dead but it shows ContainerCreating`);
        }
        if (p.status === "Interrupted") assert.equal(p.phase, "Unknown", label);
        else complete = true;
      }
      const ctrs = await runRkl([...g, "c", "list"]);
      assert.equal(ctrs.code, 0, `${label}: c list: ${ctrs.err}`);
      for (const line of ctrs.out.split("\n").filter((l) => l.includes("crash-c"))) {
        const status = line.trim().split(/\s+/)[2] ?? "";
        figures.containerStatusesSeen[status] = (figures.containerStatusesSeen[status] ?? 0) + 1;
        if (line.includes("->")) assert.equal(status, "running", `${label}: ${line}`);
        if (status === "running") complete = true;
      }
      return complete;
    };

    const trial = async (
      label: string,
      args: string[],
      recoverRm: string[],
      spanMs: number,
      prepare?: string[],
    ) => {
      if (prepare) {
        const r = await runRkl([...g, ...prepare]);
        assert.equal(r.code, 0, `${label}: preparing with ${prepare.join(" ")}: ${r.err}`);
      }
      figures.trials++;
      const delay = Math.round(rand() * spanMs * 1.1);
      const outcome = await runAndKill([...g, ...args], delay);
      if (outcome === "killed") figures.killed++;
      else figures.finishedBeforeKill++;
      const complete = await checkListed(label, outcome);
      const ids = await idsOf(root);
      const before = await leftovers(root, ids);
      if (before.length > 0) figures.withLeftoversBeforeRecovery++;
      figures.leftoverItemsBeforeRecovery += before.length;
      for (const l of before) {
        const kind = l.slice(0, l.indexOf(":"));
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      // One command recovers: rm -f on even trials, gc on odd ones (a killed rm -f is finished
      // by rm -f, as is a creation killed after it completed: gc never removes a pod or
      // container that runs).
      const byGc = !prepare && !complete && figures.trials % 2 === 1;
      const r = await runRkl([...g, ...(byGc ? ["gc"] : recoverRm)]);
      if (byGc) figures.recoveredByGc++;
      else figures.recoveredByRm++;
      assert.equal(r.code, byGc ? 0 : r.code, r.err);
      if (!byGc) assert.ok(r.code === 0 || /not found/.test(r.err), `${label}: ${r.err}`);
      const after = await leftovers(root, ids);
      figures.leftoverItemsAfterRecovery += after.length;
      assert.deepEqual(
        after,
        [],
        `${label} killed after ${delay} ms (${outcome}), recovered by ${byGc ? "gc" : "rm -f"}`,
      );
    };

    try {
      for (let i = 0; more("podRun", TRIALS.podRun, i); i++) {
        await trial(
          `pod run #${i}`,
          ["pod", "run", podFile],
          ["pod", "rm", "-f", "crash"],
          span.pod,
        );
      }
      for (let i = 0; more("containerRun", TRIALS.containerRun, i); i++) {
        await trial(
          `container run #${i}`,
          ["c", "run", ctrFile],
          ["c", "rm", "-f", "crash-c"],
          span.ctr,
        );
      }
      for (let i = 0; more("podRm", TRIALS.podRm, i); i++) {
        await trial(
          `pod rm -f #${i}`,
          ["pod", "rm", "-f", "crash"],
          ["pod", "rm", "-f", "crash"],
          span.podRm,
          [
            "pod",
            "run",
            podFile,
          ],
        );
      }
      for (let i = 0; more("containerRm", TRIALS.containerRm, i); i++) {
        await trial(
          `c rm -f #${i}`,
          ["c", "rm", "-f", "crash-c"],
          ["c", "rm", "-f", "crash-c"],
          span.ctrRm,
          [
            "c",
            "run",
            ctrFile,
          ],
        );
      }
      // The same manifests run again (the published ports are free) and are removed cleanly.
      for (
        const [run, rm] of [[["pod", "run", podFile], ["pod", "rm", "-f", "crash"]], [
          ["c", "run", ctrFile],
          ["c", "rm", "-f", "crash-c"],
        ]]
      ) {
        const r = await runRkl([...g, ...run!]);
        assert.equal(r.code, 0, `${run!.join(" ")} after the trials: ${r.err}`);
        assert.equal((await runRkl([...g, ...rm!])).code, 0);
      }
      assert.deepEqual(await leftovers(root, await idsOf(root)), []);
      console.log(
        `kill -9 trials per command ${JSON.stringify(perKind)} ` +
          `(spans ms ${JSON.stringify(span)}): ${JSON.stringify(figures)}; ` +
          `leftovers before recovery by kind: ${JSON.stringify(Object.fromEntries(kinds))}`,
      );
    } finally {
      await runRkl([...g, "pod", "rm", "-f", "crash"]);
      await runRkl([...g, "c", "rm", "-f", "crash-c"]);
      await runRkl([...g, "gc"]);
    }
  },
);
