/**
 * `volumeMounts[].subPathExpr`: the kubelet expands `$(VAR_NAME)` references in it with the
 * container's environment (literal values and downward API references alike) and then uses
 * the result as the mount's `subPath`.
 *
 * Source: https://kubernetes.io/docs/concepts/storage/volumes/#using-subpath-with-expanded-environment-variables
 * and the kubelet's `ExpandContainerVolumeMounts` / `makeMounts` (messages).
 *
 * @module
 */

import { RkError } from "../errors.ts";
import { expandVars } from "../k8s/expansion.ts";

/**
 * A `subPathExpr` the kubelet refuses when it creates the container (waiting reason
 * `CreateContainerConfigError`, the message as the kubelet's).
 */
export class SubPathExprError extends RkError {
  /** The expression as written. */
  readonly expression: string;
  /** Creates the error. */
  constructor(expression: string, message: string) {
    super(message);
    this.name = "SubPathExprError";
    this.expression = expression;
  }
}

/**
 * Expands `expr` with the container's environment `env` (name → value, already resolved) and
 * checks the result as the kubelet's `makeMounts` does.
 *
 * Unlike `command` and `args`, a reference to a variable that is not set, or is set to `""`,
 * is an error (`missing value for A, B`, names sorted), not left as written. `$$` is an
 * escaped `$`. The expanded path must be relative (``error SubPath `/x` must not be an
 * absolute path``) and must not contain a `..` element (``unable to provision SubPath `a/..`:
 * must not contain '..'``).
 *
 * @throws {SubPathExprError} with those messages.
 *
 * @example
 * ```ts
 * import { expandSubPathExpr, SubPathExprError } from "./sub_path_expr.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([["POD_NAME", "web-1"], ["EMPTY", ""]]);
 * assert.equal(expandSubPathExpr("logs/$(POD_NAME)", env), "logs/web-1");
 * assert.throws(() => expandSubPathExpr("$(NOPE)/$(EMPTY)", env), {
 *   name: "SubPathExprError",
 *   message: "missing value for EMPTY, NOPE",
 * });
 * assert.throws(() => expandSubPathExpr("$(POD_NAME)/..", env), SubPathExprError);
 * ```
 */
export function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  const out = expandVars(expr, (name) => {
    const v = env.get(name);
    if (v === undefined || v === "") missing.add(name);
    return v ?? "";
  });
  if (missing.size > 0) {
    throw new SubPathExprError(expr, `missing value for ${[...missing].sort().join(", ")}`);
  }
  if (out.startsWith("/")) {
    throw new SubPathExprError(expr, `error SubPath \`${out}\` must not be an absolute path`);
  }
  if (out.split("/").includes("..")) {
    throw new SubPathExprError(
      expr,
      `unable to provision SubPath \`${out}\`: must not contain '..'`,
    );
  }
  return out;
}
