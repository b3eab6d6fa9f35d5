/**
 * Kubernetes `$(VAR)` expansion in a container's env values, `command` and `args`, exactly as
 * the kubelet does it (`third_party/forked/golang/expansion`): `$(NAME)` is replaced by the
 * variable's value when it is defined, and left verbatim when it is not; `$$` is an escaped
 * `$` (so `$$(NAME)` gives the literal `$(NAME)`); any other `$` is kept. Env values may refer
 * only to variables defined EARLIER in the list; `command` and `args` see the whole
 * environment. Pure.
 *
 * @module
 */

/**
 * Expands `$(NAME)` references in `input` with `lookup` (undefined → left as written).
 *
 * @example
 * ```ts
 * import { expandVars } from "./expansion.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([["GREETING", "hello"]]);
 * const lookup = (n: string) => env.get(n);
 * assert.equal(expandVars("greet=$(GREETING)", lookup), "greet=hello");
 * assert.equal(expandVars("$(MISSING)", lookup), "$(MISSING)");
 * assert.equal(expandVars("$$(GREETING) costs $$5", lookup), "$(GREETING) costs $5");
 * assert.equal(expandVars("$HOME $(GREETING", lookup), "$HOME $(GREETING");
 * ```
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === "$") {
      out += "$";
    } else if (rest[0] === "(") {
      const close = rest.indexOf(")", 1);
      if (close < 0) {
        out += "$(";
      } else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += "$" + rest[0];
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** One environment entry before expansion: a literal value, or one already resolved. */
export interface EnvEntry {
  /** Variable name. */
  name: string;
  /** The value as written (expanded) or resolved from a source (used as is). */
  value: string;
  /** True when `value` came from a source such as `fieldRef` (never expanded). */
  resolved?: boolean;
}

/**
 * The container environment as the kubelet builds it: entries in order, each literal value
 * expanded against the variables defined before it (`base` first, e.g. `envFrom`), a later
 * entry with the same name replacing the earlier value (keeping its position).
 *
 * @example
 * ```ts
 * import { expandEnv } from "./expansion.ts";
 * import assert from "node:assert/strict";
 * const env = expandEnv([
 *   { name: "A", value: "x$(B)" },
 *   { name: "B", value: "b" },
 *   { name: "C", value: "$(A)-$(B)" },
 * ]);
 * assert.deepEqual([...env], [["A", "x$(B)"], ["B", "b"], ["C", "x$(B)-b"]]);
 * ```
 */
export function expandEnv(
  entries: readonly EnvEntry[],
  base: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const env = new Map(base);
  for (const e of entries) {
    env.set(
      e.name,
      e.resolved || e.value === "" ? e.value : expandVars(e.value, (n) => env.get(n)),
    );
  }
  return env;
}

/**
 * `command` and `args` with `$(NAME)` expanded against the container's final environment.
 *
 * @example
 * ```ts
 * import { expandCommand } from "./expansion.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([["GREETING", "hello"]]);
 * assert.deepEqual(expandCommand(["greet=$(GREETING)", "$(NOPE)"], env), ["greet=hello", "$(NOPE)"]);
 * ```
 */
export function expandCommand(
  argv: readonly string[],
  env: ReadonlyMap<string, string>,
): string[] {
  return argv.map((a) => expandVars(a, (n) => env.get(n)));
}
