import assert from "node:assert/strict";
import { expandSubPathExpr, SubPathExprError } from "./sub_path_expr.ts";

const env = new Map([
  ["POD_NAME", "web-1"],
  ["NS", "default"],
  ["EMPTY", ""],
  ["ROOT", "/etc"],
  ["UP", ".."],
]);

Deno.test("expandSubPathExpr() expands from the container's environment", async (t) => {
  const ok: [string, string][] = [
    ["$(POD_NAME)", "web-1"],
    ["logs/$(NS)/$(POD_NAME)", "logs/default/web-1"],
    ["$$(POD_NAME)", "$(POD_NAME)"],
    ["plain/dir", "plain/dir"],
    ["a$b", "a$b"],
  ];
  for (const [expr, want] of ok) {
    await t.step(expr, () => assert.equal(expandSubPathExpr(expr, env), want));
  }
});

Deno.test("expandSubPathExpr() refuses what the kubelet refuses, with its words", async (t) => {
  const bad: [string, string][] = [
    ["$(NOPE)", "missing value for NOPE"],
    ["$(ZED)/$(EMPTY)/$(NOPE)", "missing value for EMPTY, NOPE, ZED"],
    ["$(ROOT)/x", "error SubPath `/etc/x` must not be an absolute path"],
    ["a/$(UP)/b", "unable to provision SubPath `a/../b`: must not contain '..'"],
  ];
  for (const [expr, message] of bad) {
    await t.step(expr, () => {
      assert.throws(() => expandSubPathExpr(expr, env), (e: unknown) => {
        assert.ok(e instanceof SubPathExprError);
        assert.equal(e.message, message);
        assert.equal(e.expression, expr);
        return true;
      });
    });
  }
});
