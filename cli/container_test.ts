/**
 * `rkl container` run in-process with an argv array: option parsing and usage errors without
 * root, and the original project's spec end to end as root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir, waitFor } from "../core/testing.ts";
import { projectDir, type RklResult, runRkl } from "./testing.ts";

/** Runs `rkl ARGV` in-process; returns exit code and output. */
function rkl(argv: string[], env: Record<string, string> = {}): Promise<RklResult> {
  return runRkl(argv, { env });
}

Deno.test("rkl container: usage errors exit 2 before touching any state", async (t) => {
  await using dir = await tempDir("rkl-cli-");
  const cases: { argv: string[]; err: RegExp }[] = [
    { argv: ["container", "run"], err: /missing required argument 'file'/ },
    { argv: ["c", "stop", "-t", "soon", "x"], err: /Invalid --time "soon"/ },
    {
      argv: ["c", "logs", "--tail", "-3", "x"],
      err: /Invalid --tail|option '--tail <n>' argument missing/,
    },
    { argv: ["c", "list", "-o", "xml"], err: /Invalid output format "xml"/ },
    { argv: ["c", "exec", "x"], err: /exec needs a command/ },
    { argv: ["c", "exec", "-e", "NOEQUALS", "x", "--", "sh"], err: /Invalid -e "NOEQUALS"/ },
    { argv: ["c", "exec", "-u", "root", "x", "--", "sh"], err: /Invalid -u "root"/ },
    { argv: ["c", "kill", "-s", "SIG", "x"], err: /Invalid signal "SIG"/ },
    { argv: ["c", "frobnicate"], err: /unknown command 'frobnicate'/ },
  ];
  for (const c of cases) {
    await t.step(c.argv.join(" "), async () => {
      const r = await rkl(["--root", dir.path, ...c.argv]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, c.err);
    });
  }
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), [], "no state was created");
});

Deno.test("rkl container run: a bad manifest exits 1 naming file, line and field", async () => {
  await using dir = await tempDir("rkl-cli-");
  const file = join(dir.path, "bad.yaml");
  await Deno.writeTextFile(
    file,
    "name: web\nimage: ./testdata/bundles/busybox\nargs: [sh]\nresources:\n  limits: { memory: 12Q }\n",
  );
  const r = await rkl(["--root", join(dir.path, "state"), "c", "run", file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.yaml:5:\d+: resources\.limits\.memory: invalid memory quantity "12Q"/);

  await Deno.writeTextFile(file, "name: web\nimage: ./nowhere\nargs: [sh]\n");
  const r2 = await rkl(["--root", join(dir.path, "state"), "c", "create", file]);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /bad\.yaml:2:8: image: image directory ".*nowhere" does not exist/);
});

Deno.test("rkl container: an unknown runtime is a clear error", async () => {
  await using dir = await tempDir("rkl-cli-");
  const r = await rkl(
    ["--root", dir.path, "c", "list"],
    { RKL_RUNTIME: "nosuchruntime" },
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /OCI runtime "nosuchruntime" not found on PATH; install it/);
});

rootTest("rkl container runs the original project's spec unchanged", async () => {
  await using dir = await tempDir("rkl-cli-");
  const root = ["--root", dir.path];
  const run = await rkl([...root, "container", "run", "testdata/single.yaml"]);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.err, "", "no warnings for the original spec");
  const id = run.out.trim();
  assert.match(id, /^[0-9a-f]{32}$/);
  try {
    const list = await rkl([...root, "c", "list", "-o", "json"]);
    assert.equal(list.code, 0, list.err);
    const [info] = JSON.parse(list.out);
    assert.equal(info.id, id);
    assert.equal(info.name, "single-container-test");
    assert.equal(info.status, "running");
    assert.ok(info.pid > 0);
    assert.deepEqual(info.command, ["sleep", "100"]);
    assert.deepEqual(info.ports, [{ containerPort: 80, protocol: "TCP" }]);

    const table = await rkl([...root, "c", "ls"]);
    assert.match(table.out, /^ID\s+NAME\s+STATUS\s+PID\s+EXIT/);
    assert.match(table.out, /single-container-test\s+running\s+\d+\s+-/);
    assert.equal((await rkl([...root, "c", "list", "-q"])).out, `${id}\n`);

    const yaml = await rkl([...root, "c", "state", "single-container-test", "-o", "yaml"]);
    assert.match(yaml.out, /status: running/);

    const exec = await rkl([
      ...root,
      "c",
      "exec",
      "-e",
      "A=b",
      "-w",
      "/tmp",
      "single-container-test",
      "--",
      "sh",
      "-c",
      "echo $A; pwd; exit 4",
    ]);
    assert.equal(exec.code, 4, "exec returns the process's exit code");
    assert.equal(exec.out, "b\n/tmp\n");

    const stop = await rkl([...root, "c", "stop", "-t", "0", id.slice(0, 8)]);
    assert.equal(stop.code, 0, stop.err);
    const state = JSON.parse((await rkl([...root, "c", "state", "single-container-test"])).out);
    assert.equal(state.status, "stopped");
    assert.equal(state.exitCode, 137);
    assert.ok(Date.parse(state.finished) >= Date.parse(state.started));

    const rm = await rkl([...root, "c", "rm", "single-container-test"]);
    assert.equal(rm.code, 0, rm.err);
    assert.equal((await rkl([...root, "c", "list", "-q"])).out, "");
  } finally {
    await rkl([...root, "c", "rm", "-f", id]);
  }
});

rootTest("rkl container logs: --tail, --timestamps, -f; rm -f of a running container", async () => {
  await using dir = await tempDir("rkl-cli-");
  const root = ["--root", dir.path];
  const file = join(dir.path, "logger.yaml");
  await Deno.writeTextFile(
    file,
    `name: logger
image: ${projectDir}testdata/bundles/busybox
command: [sh, -c]
args: ["for i in 1 2 3 4; do echo line$i; done; echo err >&2; sleep 0.3; echo last"]
`,
  );
  const run = await rkl([...root, "c", "run", file]);
  assert.equal(run.code, 0, run.err);
  // -f returns once the container has exited, with every line.
  const follow = await rkl([...root, "c", "logs", "-f", "logger"]);
  assert.equal(follow.code, 0, follow.err);
  assert.equal(follow.out, "line1\nline2\nline3\nline4\nerr\nlast\n");
  const tail = await rkl([...root, "c", "logs", "--tail", "2", "logger"]);
  assert.equal(tail.out, "err\nlast\n");
  const ts = await rkl([...root, "c", "logs", "--timestamps", "--tail", "1", "logger"]);
  assert.match(ts.out, /^\d{4}-\d\d-\d\dT\S+ last\n$/);
  const state = JSON.parse((await rkl([...root, "c", "state", "logger"])).out);
  assert.equal(state.exitCode, 0);
  assert.equal(state.reason, "Completed");

  await Deno.writeTextFile(
    file,
    (await Deno.readTextFile(file)).replace("logger", "sleeper").replace(
      /args: .*/,
      'args: ["sleep 100"]',
    ),
  );
  assert.equal((await rkl([...root, "c", "run", file])).code, 0);
  await waitFor(
    "sleeper running",
    async () =>
      JSON.parse((await rkl([...root, "c", "state", "sleeper"])).out).status === "running",
  );
  const refused = await rkl([...root, "c", "rm", "sleeper"]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /Cannot remove container "sleeper": status is "running"/);
  const forced = await rkl([...root, "c", "rm", "-f", "sleeper", "logger"]);
  assert.equal(forced.code, 0, forced.err);
  assert.equal((await rkl([...root, "c", "list", "-q"])).out, "");
});
