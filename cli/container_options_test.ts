import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import {
  parseExecOptions,
  parseGraceSeconds,
  parseLogsOptions,
  parseSignal,
} from "./container_options.ts";

Deno.test("container option parsers turn flags into typed options", async (t) => {
  await t.step("exec", () => {
    assert.deepEqual(
      parseExecOptions("web", ["sh", "-c", "id"], {
        env: ["A=1", "B=x=y"],
        workdir: "/tmp",
        user: "1000",
        tty: true,
      }),
      {
        container: "web",
        argv: ["sh", "-c", "id"],
        env: { A: "1", B: "x=y" },
        workingDir: "/tmp",
        user: "1000",
        interactive: false,
        tty: true,
      },
    );
  });
  await t.step("logs", () => {
    assert.deepEqual(parseLogsOptions("web", { follow: true, tail: "0" }), {
      container: "web",
      follow: true,
      timestamps: false,
      tail: 0,
    });
  });
  await t.step("stop and kill", () => {
    assert.equal(parseGraceSeconds("30"), 30);
    assert.equal(parseSignal("9"), "9");
    assert.equal(parseSignal("SIGHUP"), "SIGHUP");
  });
});

Deno.test("container option parsers reject bad flags as usage errors", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    ["exec without command", () => parseExecOptions("web", [], {}), /needs a command/],
    ["exec -e without =", () => parseExecOptions("web", ["ls"], { env: ["A"] }), /KEY=VALUE/],
    ["exec -e =x", () => parseExecOptions("web", ["ls"], { env: ["=x"] }), /KEY=VALUE/],
    ["exec -w relative", () => parseExecOptions("web", ["ls"], { workdir: "tmp" }), /absolute/],
    ["exec -u name", () => parseExecOptions("web", ["ls"], { user: "root" }), /UID/],
    ["logs --tail x", () => parseLogsOptions("web", { tail: "x" }), /--tail "x"/],
    ["stop -t -1", () => parseGraceSeconds("-1"), /--time "-1"/],
    ["kill -s 99", () => parseSignal("99"), /Invalid signal "99"/],
  ];
  for (const [name, fn, message] of cases) {
    await t.step(name, () => {
      assert.throws(fn, (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }
});
