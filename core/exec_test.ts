// busybox stands in for the shell: the `dev` permission set runs only the programs rk8s uses.
import assert from "node:assert/strict";
import { run } from "./exec.ts";
import { CommandError, CommandTimeoutError } from "./errors.ts";

Deno.test("run() collects output and the exit code", async () => {
  const r = await run(["/usr/bin/busybox", "sh", "-c", "echo out; echo err >&2; exit 3"], {
    allowFailure: true,
  });
  assert.deepEqual(r, { code: 3, stdout: "out\n", stderr: "err\n" });
  await assert.rejects(
    run(["/usr/bin/busybox", "sh", "-c", "exit 4"]),
    (e: unknown) => e instanceof CommandError,
  );
});

Deno.test("run() passes env, clearEnv and cwd, with and without a deadline or input", async () => {
  const script = 'echo "$A|$HOME|$(pwd)"; cat';
  for (const extra of [{}, { timeoutMs: 30_000 }, { stdin: "in" }]) {
    const r = await run(["/usr/bin/busybox", "sh", "-c", script], {
      env: { A: "a1" },
      cwd: "/tmp",
      ...extra,
    });
    assert.equal(
      r.stdout,
      `a1|${Deno.env.get("HOME") ?? ""}|/tmp\n${"stdin" in extra ? "in" : ""}`,
    );
    const bare = await run(["/usr/bin/busybox", "sh", "-c", script], {
      env: { A: "a2" },
      clearEnv: true,
      ...extra,
    });
    assert.equal(bare.stdout.split("\n")[0], "a2||" + Deno.cwd());
  }
});

Deno.test("run() with a timeout: a fast command is not affected", async () => {
  const r = await run(["/usr/bin/busybox", "echo", "hi"], { timeoutMs: 30_000 });
  assert.equal(r.stdout, "hi\n");
});

Deno.test("run() kills a command that outlives its timeout", async () => {
  const started = Date.now();
  await assert.rejects(
    run(["/usr/bin/busybox", "sh", "-c", "echo partial; exec sleep 30"], { timeoutMs: 200 }),
    (e: unknown) => e instanceof CommandTimeoutError && e.message.includes("partial"),
  );
  // Well before the 30 s sleep would have ended (no timing threshold on the kill itself).
  assert.ok(Date.now() - started < 25_000);
});

Deno.test("run() stops reading when a grandchild keeps the pipes open after the kill", async () => {
  const started = Date.now();
  // The shell is killed at the timeout; the background sleep (its pid printed first) keeps
  // stdout open.
  let grandchild = 0;
  await assert.rejects(
    run(["/usr/bin/busybox", "sh", "-c", "sleep 30 & echo $!; wait"], { timeoutMs: 200 }),
    (e: unknown) => {
      grandchild = Number(/(\d+)\s*$/.exec(String(e))?.[1] ?? 0);
      return e instanceof CommandTimeoutError;
    },
  );
  assert.ok(Date.now() - started < 25_000);
  assert.ok(grandchild > 0, "the grandchild's pid was read before the timeout");
  await run(["kill", "-9", String(grandchild)]);
});
