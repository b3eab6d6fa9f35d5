import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../testing.ts";
import { conmonArgs, runtimeLogErrors } from "./conmon.ts";
import { formatLogLines, parseCriLog } from "./cri_log.ts";
import {
  classifyRuntimeFailure,
  CliRuntime,
  execArgs,
  parseRuntimeState,
  resolveRuntime,
  RuntimeNotFoundError,
} from "./oci_runtime.ts";

async function fakeBinary(dir: string, name: string): Promise<string> {
  const p = join(dir, name);
  await Deno.writeTextFile(p, "#!/bin/sh\n");
  await Deno.chmod(p, 0o755);
  return p;
}

Deno.test("resolveRuntime() prefers --runtime, then RKL_RUNTIME, then youki/runc/crun on PATH", async (t) => {
  await using dir = await tempDir("rkl-rt-");
  const bin = join(dir.path, "bin");
  await Deno.mkdir(bin);
  const crun = await fakeBinary(bin, "crun");
  const youki = await fakeBinary(bin, "youki");
  await t.step("auto: youki first", async () => {
    const r = await resolveRuntime(undefined, { PATH: bin });
    assert.deepEqual(r, { name: "youki", binary: youki, source: "auto" });
  });
  await t.step("env names a runtime on PATH", async () => {
    const r = await resolveRuntime(undefined, { PATH: bin, RKL_RUNTIME: "crun" });
    assert.deepEqual(r, { name: "crun", binary: crun, source: "env" });
  });
  await t.step("flag wins over env, absolute path accepted", async () => {
    const r = await resolveRuntime(crun, { PATH: bin, RKL_RUNTIME: "youki" });
    assert.deepEqual(r, { name: "crun", binary: crun, source: "flag" });
  });
  await t.step("unknown runtime names what to install", async () => {
    await assert.rejects(
      resolveRuntime("nosuchruntime", { PATH: bin }),
      (e: unknown) =>
        e instanceof RuntimeNotFoundError && /"nosuchruntime" not found/.test(e.message) &&
        /apt-get install -y nosuchruntime/.test(e.message),
    );
    await assert.rejects(resolveRuntime("relative/runc", {}), /must be absolute/);
    await assert.rejects(resolveRuntime(join(bin, "missing"), {}), /not an executable file/);
  });
});

Deno.test("CliRuntime builds runc argv arrays with --root", () => {
  const rt = new CliRuntime({ binary: "/usr/sbin/runc", root: "/run/rkl/runtime" });
  assert.equal(rt.name, "runc");
  assert.deepEqual(rt.argv("start", "c1"), [
    "/usr/sbin/runc",
    "--root",
    "/run/rkl/runtime",
    "start",
    "c1",
  ]);
  assert.deepEqual(execArgs("c1", { args: ["sh"], tty: true }), ["exec", "--tty", "c1", "sh"]);
  const argv = conmonArgs("/usr/bin/conmon", rt, {
    id: "c1",
    name: "web",
    bundle: "/b",
    pidFile: "/b/pid",
    monitorPidFile: "/b/conmon.pid",
    logPath: "/b/ctr.log",
    runtimeLogPath: "/b/runtime.log",
    exitDir: "/x",
    socketDir: "/s",
  });
  assert.deepEqual(argv, [
    "/usr/bin/conmon",
    "--api-version",
    "1",
    "-c",
    "c1",
    "-u",
    "c1",
    "-n",
    "web",
    "-r",
    "/usr/sbin/runc",
    "-b",
    "/b",
    "-p",
    "/b/pid",
    "--conmon-pidfile",
    "/b/conmon.pid",
    "-l",
    "k8s-file:/b/ctr.log",
    "--exit-dir",
    "/x",
    "--socket-dir-path",
    "/s",
    "--syslog=false",
    "--runtime-arg",
    "--root=/run/rkl/runtime",
    "--runtime-arg",
    "--log=/b/runtime.log",
    "--runtime-arg",
    "--log-format=json",
  ]);
});

Deno.test("parseRuntimeState() validates runtime JSON", () => {
  assert.deepEqual(
    parseRuntimeState({
      id: "a",
      status: "created",
      pid: 5,
      bundle: "/b",
      created: "2024-01-01T00:00:00Z",
    }),
    { id: "a", status: "created", pid: 5, bundle: "/b", created: "2024-01-01T00:00:00Z" },
  );
  assert.throws(() => parseRuntimeState(null), /not an object/);
  assert.throws(
    () => parseRuntimeState({ id: "a", status: "exploded" }),
    /Unexpected runtime state/,
  );
});

Deno.test("runtimeLogErrors() while the runtime still writes: an unfinished long line waits", () => {
  const line = JSON.stringify({ level: "error", msg: `exec: "${"x".repeat(70_000)}": too long` });
  // runc writes a line this long in pieces; a read may see only the first 64 KiB of it.
  assert.equal(runtimeLogErrors(line.slice(0, 65_536), { partial: true }), "");
  assert.equal(
    runtimeLogErrors(`${line}\n`, { partial: true }),
    `exec: "${"x".repeat(70_000)}": too long`,
  );
  // Finished lines count, JSON or not; without `partial` the last line counts as it is.
  assert.equal(
    runtimeLogErrors('plain failure\n{"level":"err', { partial: true }),
    "plain failure",
  );
  assert.equal(runtimeLogErrors("plain failure"), "plain failure");
});

Deno.test("runtimeLogErrors() extracts runtime error messages", () => {
  const log = '{"level":"warning","msg":"w"}\n' +
    '{"level":"error","msg":"runc create failed: unable to start container process"}\n';
  assert.equal(runtimeLogErrors(log), "runc create failed: unable to start container process");
  assert.equal(runtimeLogErrors(""), "");
});

Deno.test("parseCriLog() joins partial lines and keeps streams apart", () => {
  const text = [
    "2024-01-01T00:00:00.1Z stdout P part1-",
    "2024-01-01T00:00:00.2Z stderr F err",
    "2024-01-01T00:00:00.3Z stdout F part2",
    "garbage",
    "2024-01-01T00:00:00.4Z stdout F ",
    "2024-01-01T00:00:00.5Z stdout P tail",
    "",
  ].join("\n");
  assert.deepEqual(parseCriLog(text), [
    { time: "2024-01-01T00:00:00.2Z", stream: "stderr", text: "err" },
    { time: "2024-01-01T00:00:00.1Z", stream: "stdout", text: "part1-part2" },
    { time: "2024-01-01T00:00:00.4Z", stream: "stdout", text: "" },
    { time: "2024-01-01T00:00:00.5Z", stream: "stdout", text: "tail" },
  ]);
  const lines = parseCriLog(text);
  assert.equal(formatLogLines(lines, { tail: 2 }), "\ntail\n");
  assert.equal(formatLogLines(lines, { tail: 0 }), "");
  assert.equal(
    formatLogLines(lines.slice(0, 1), { timestamps: true }),
    "2024-01-01T00:00:00.2Z err\n",
  );
});

Deno.test("classifyRuntimeFailure() reads runc, crun and youki wording", async (t) => {
  const cases: [string, ReturnType<typeof classifyRuntimeFailure>][] = [
    ["container not running", "not-running"],
    ["kill: No such process", "not-running"],
    ["process already finished", "not-running"],
    ["container does not exist", "not-found"],
    ['time="..." level=error msg="container not found"', "not-found"],
    ["open /run/rkl/runtime/x/state.json: No such file or directory", "not-found"],
    ["permission denied", "failed"],
    ["", "failed"],
  ];
  for (const [stderr, want] of cases) {
    await t.step(JSON.stringify(stderr), () => assert.equal(classifyRuntimeFailure(stderr), want));
  }
});
