/**
 * Helpers of the daemon's root tests: the daemon as a child process with its own `--root`, and
 * the CLI's views of pods and events. Not exported from `mod.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { projectDir, runRkl } from "../../cli/testing.ts";
import type { PodView } from "../pod/pod_view.ts";
import type { NodeEvent } from "./events.ts";
import { testBundles } from "../testing.ts";
import { testLease } from "../test_lease.ts";

/** Node name every daemon test uses (static pods are named `<name>-n1`). */
export const NODE = "n1";

/** The stderr of every daemon stopped so far (printed when a step fails). */
export const daemonLogs: string[] = [];

/** A daemon child process whose stderr is collected. */
export class DaemonProcess {
  /** The child. */
  readonly child: Deno.ChildProcess;
  /** Its stderr so far. */
  log = "";
  readonly #reading: Promise<void>;
  /**
   * Starts `rkl --root ROOT daemon` (or, with `command: ["pod", "daemon"]`, the original
   * command) on `manifests` with a 1 s → 4 s back-off. The process (until it exits) and the
   * root (until {@linkcode removeEverything}) are held by the test lease.
   */
  constructor(
    root: string,
    manifests: string,
    opts: { command?: string[]; extra?: string[] } = {},
  ) {
    const child = new Deno.Command("deno", {
      args: [
        "run",
        "-q",
        "--frozen",
        "-P=daemon",
        "cli/main.ts",
        "--root",
        root,
        ...(opts.command ?? ["daemon"]),
        "--manifests",
        manifests,
        "--node-name",
        NODE,
        "--backoff-base",
        "1000",
        "--backoff-max",
        "4000",
        ...(opts.extra ?? []),
      ],
      cwd: projectDir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    // A killed test run's daemon and the pods of its root are removed by the next sweep.
    testLease().hold({ kind: "root", path: root });
    testLease().holdChild(child, "rkl daemon");
    this.child = child;
    this.#reading = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stderr) this.log += dec.decode(chunk);
    })();
  }
  /** The child's pid. */
  get pid(): number {
    return this.child.pid;
  }
  /**
   * Sends `signal` (if still running) and waits for the exit; a daemon that has not exited
   * after `timeoutMs` is killed with SIGKILL and the stop fails (a hung shutdown is a bug).
   */
  async stop(signal: Deno.Signal, timeoutMs = 30_000): Promise<Deno.CommandStatus> {
    const send = (s: Deno.Signal) => {
      try {
        this.child.kill(s);
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // already exited
      }
    };
    send(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = await Promise.race([
      this.child.status.then(() => false),
      new Promise<boolean>((r) => timer = setTimeout(() => r(true), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (hung) send("SIGKILL");
    const status = await this.child.status;
    await this.#reading;
    daemonLogs.push(this.log);
    if (hung) throw new Error(`the daemon did not exit within ${timeoutMs} ms of ${signal}`);
    return status;
  }
}

/** `rkl pod list -o json` of `root`. */
export async function pods(root: string): Promise<PodView[]> {
  const r = await runRkl(["--root", root, "pod", "list", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as PodView[];
}

/** One pod of {@linkcode pods} by name. */
export async function pod(root: string, name: string): Promise<PodView | undefined> {
  return (await pods(root)).find((p) => p.name === name);
}

/** `rkl events -o json` of `root`. */
export async function events(root: string): Promise<NodeEvent[]> {
  const r = await runRkl(["--root", root, "events", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  return r.out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as NodeEvent);
}

/** A one-container busybox pod manifest (grace period 1 s). */
export function podYaml(name: string, opts: {
  args: string[];
  policy?: string;
  extra?: string;
  memory?: string;
  spec?: string;
}): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    `metadata: {name: ${name}}`,
    "spec:",
    `  restartPolicy: ${opts.policy ?? "Always"}`,
    "  terminationGracePeriodSeconds: 1",
    ...(opts.spec ? [opts.spec] : []),
    "  containers:",
    "    - name: app",
    `      image: ${testBundles.busybox}`,
    `      args: ${JSON.stringify(opts.args)}`,
    ...(opts.memory ? [`      resources: {limits: {memory: ${opts.memory}}}`] : []),
    ...(opts.extra ? [opts.extra] : []),
    "",
  ].join("\n");
}

/** Deadline and poll interval of every wait in the daemon tests. */
export const long = { timeoutMs: 60_000, intervalMs: 200 };

/** Removes every pod of `root` and collects its garbage. */
export async function removeEverything(root: string): Promise<void> {
  for (const p of await pods(root).catch(() => [])) {
    await runRkl(["--root", root, "pod", "rm", "-f", p.name]);
  }
  await runRkl(["--root", root, "gc"]);
  if ((await pods(root).catch(() => undefined))?.length === 0) {
    testLease().release({ kind: "root", path: root });
  }
}
