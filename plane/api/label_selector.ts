/**
 * Kubernetes label selectors: the string grammar of `?labelSelector=` (equality- and set-based,
 * plus `gt`/`lt`), the `metav1.LabelSelector` object (`matchLabels` / `matchExpressions`), and
 * matching against an object's labels — with kube-apiserver's error wording.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 * and `k8s.io/apimachinery/pkg/labels/selector.go` (grammar, messages).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { labelValueErrors, qualifiedNameErrors } from "./_name_rules.ts";

/**
 * One requirement of a label selector. `operator` uses the selector string's spelling:
 * `=`, `==`, `!=` (exactly one value), `in`, `notin` (one or more values), `exists` (`key`)
 * and `!` (`!key`), both with no values, and `gt`/`lt` (`key>3`, one integer value).
 * `values` are sorted and unique, as apimachinery keeps them.
 */
export interface LabelRequirement {
  /** A qualified name: optional DNS subdomain prefix and `/`, then ≤ 63 characters. */
  key: string;
  /** The operator, as spelled in the selector string. */
  operator: "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
  /** Sorted, unique values. */
  values: string[];
}

/**
 * A label or field selector that does not parse or names something unsupported. The API
 * server answers it with `400 BadRequest` and `message` as the Status message.
 *
 * @example
 * ```ts
 * import { parseLabelSelector, SelectorError } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseLabelSelector("a in b"), SelectorError);
 * ```
 */
export class SelectorError extends Error {
  /** The selector text (or a JSON rendering of the selector object) that was rejected. */
  readonly selector: string;
  /** Builds the error; `message` is the full kube-apiserver message. */
  constructor(selector: string, message: string) {
    super(message);
    this.name = "SelectorError";
    this.selector = selector;
  }
}

// ---- lexer (apimachinery labels.Lexer) ------------------------------------------------------

type Tok =
  | "id"
  | "end"
  | "err"
  | "("
  | ")"
  | ","
  | "!"
  | "="
  | "=="
  | "!="
  | ">"
  | "<"
  | "in"
  | "notin";

interface Item {
  tok: Tok;
  lit: string;
}

const SYMBOLS: Readonly<Record<string, Tok>> = {
  ")": ")",
  ",": ",",
  "!": "!",
  "==": "==",
  "=": "=",
  ">": ">",
  "<": "<",
  "!=": "!=",
  "(": "(",
};
const SPECIAL = new Set(["=", "!", "(", ")", ",", ">", "<"]);
const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && WHITESPACE.has(s[pos] ?? "")) pos++;
    if (pos >= s.length) {
      items.push({ tok: "end", lit: "" });
      return items;
    }
    if (SPECIAL.has(s[pos] ?? "")) {
      let buf = "";
      let last: Item | undefined;
      while (pos < s.length && SPECIAL.has(s[pos] ?? "")) {
        const next = buf + s[pos];
        const tok = SYMBOLS[next];
        if (tok !== undefined) {
          last = { tok, lit: next };
          buf = next;
          pos++;
        } else if (last !== undefined) {
          break;
        } else {
          buf = next;
          pos++;
        }
      }
      items.push(last ?? { tok: "err", lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = "";
    while (pos < s.length && !SPECIAL.has(s[pos] ?? "") && !WHITESPACE.has(s[pos] ?? "")) {
      buf += s[pos];
      pos++;
    }
    items.push({ tok: buf === "in" ? "in" : buf === "notin" ? "notin" : "id", lit: buf });
  }
}

// ---- parser (apimachinery labels.Parser) ----------------------------------------------------

class ParseFailure extends Error {}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

class Parser {
  #items: Item[];
  #pos = 0;
  constructor(text: string) {
    this.#items = lex(text);
  }

  /** Looks at the next token; in value context `in`/`notin` are plain identifiers. */
  #peek(values: boolean): Item {
    const it = this.#items[this.#pos] ?? { tok: "end", lit: "" };
    if (values && (it.tok === "in" || it.tok === "notin")) return { tok: "id", lit: it.lit };
    return it;
  }

  #next(values: boolean): Item {
    const it = this.#peek(values);
    if (this.#pos < this.#items.length - 1) this.#pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.#peek(true);
      if (tok === "id" || tok === "!") {
        try {
          out.push(this.#requirement());
        } catch (e) {
          if (e instanceof ParseFailure) {
            throw new ParseFailure(`unable to parse requirement: ${e.message}`);
          }
          throw e;
        }
        const after = this.#next(true);
        if (after.tok === "end") return out;
        if (after.tok === ",") {
          const n = this.#peek(true);
          if (n.tok !== "id" && n.tok !== "!") {
            throw new ParseFailure(`found '${n.lit}', expected: identifier after ','`);
          }
          continue;
        }
        throw new ParseFailure(`found '${after.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === "end") return out;
      throw new ParseFailure(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  #requirement(): LabelRequirement {
    let negated = false;
    let it = this.#next(true);
    if (it.tok === "!") {
      negated = true;
      it = this.#next(true);
    }
    if (it.tok !== "id") throw new ParseFailure(`found '${it.lit}', expected: identifier`);
    const key = it.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) {
      throw new ParseFailure(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join("; ")}`);
    }
    const la = this.#peek(true).tok;
    if (negated || la === "end" || la === ",") {
      return newRequirement(key, negated ? "!" : "exists", []);
    }
    const opItem = this.#next(false);
    let op: LabelRequirement["operator"];
    switch (opItem.tok) {
      case "in":
      case "notin":
      case "=":
      case "==":
      case "!=":
        op = opItem.tok;
        break;
      case ">":
        op = "gt";
        break;
      case "<":
        op = "lt";
        break;
      default:
        throw new ParseFailure(`found '${opItem.lit}', expected: ${BINARY_OPERATORS}`);
    }
    const values = op === "in" || op === "notin" ? this.#setValues() : this.#exactValue();
    return newRequirement(key, op, values);
  }

  #setValues(): string[] {
    const open = this.#next(true);
    if (open.tok !== "(") throw new ParseFailure(`found '${open.lit}' expected: '('`);
    const first = this.#peek(true);
    if (first.tok === ")") {
      this.#next(true);
      return [""];
    }
    if (first.tok !== "id" && first.tok !== ",") {
      throw new ParseFailure(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    const set = new Set<string>();
    for (;;) {
      const it = this.#next(true);
      if (it.tok === "id") {
        set.add(it.lit);
        const n = this.#peek(true);
        if (n.tok === ",") continue;
        if (n.tok === ")") break;
        throw new ParseFailure(`found '${n.lit}', expected: ',' or ')'`);
      } else if (it.tok === ",") {
        if (set.size === 0) set.add("");
        const n = this.#peek(true);
        if (n.tok === ")") {
          set.add("");
          break;
        }
        if (n.tok === ",") {
          this.#next(true);
          set.add("");
        }
      } else {
        throw new ParseFailure(`found '${it.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.#next(true);
    if (close.tok !== ")") throw new ParseFailure(`found '${first.lit}', expected: ')'`);
    return [...set];
  }

  #exactValue(): string[] {
    const la = this.#peek(true);
    if (la.tok === "end" || la.tok === ",") return [""];
    const it = this.#next(true);
    if (it.tok === "id") return [it.lit];
    throw new ParseFailure(`found '${it.lit}', expected: identifier`);
  }
}

/** apimachinery's `NewRequirement` checks; throws ParseFailure with the aggregated message. */
function newRequirement(
  key: string,
  operator: LabelRequirement["operator"],
  rawValues: readonly string[],
): LabelRequirement {
  const values = [...new Set(rawValues)].sort();
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) {
    errs.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join("; ")}`);
  }
  const show = `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(
          `values: Invalid value: ${show}: for 'in', 'notin' operators, values set can't be empty`,
        );
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${show}: exact-match compatibility requires one single value`,
        );
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(
          `values: Invalid value: ${show}: values set must be empty for exists and does not exist`,
        );
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${show}: for 'Gt', 'Lt' operators, exactly one value is required`,
        );
      }
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) {
          errs.push(
            `values[${i}]: Invalid value: ${
              JSON.stringify(v)
            }: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length > 0) {
      errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${ve.join("; ")}`);
    }
  });
  const unique = [...new Set(errs)];
  if (unique.length === 1) throw new ParseFailure(unique[0]);
  if (unique.length > 1) throw new ParseFailure(`[${unique.join(", ")}]`);
  return { key, operator, values };
}

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Parses a label selector string (`?labelSelector=`), e.g.
 * `app=web,tier!=db,env in (prod,qa),!canary,release`. Whitespace between tokens is ignored;
 * the result is sorted by key, as apimachinery sorts it. The empty string selects everything
 * (`[]`).
 *
 * @throws {SelectorError} with apimachinery's message, e.g.
 *   `unable to parse requirement: values[0][app]: Invalid value: "@": a valid label must be ...`
 *   or `found 'b', expected: '('` ... — the API server returns it as `400 BadRequest`.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 *
 * @example
 * ```ts
 * import { parseLabelSelector } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseLabelSelector("tier in (web, api),!canary"), [
 *   { key: "canary", operator: "!", values: [] },
 *   { key: "tier", operator: "in", values: ["api", "web"] },
 * ]);
 * ```
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  try {
    return new Parser(text).parse().sort(byKey);
  } catch (e) {
    if (e instanceof ParseFailure) throw new SelectorError(text, e.message);
    throw e;
  }
}

const EXPRESSION_OPERATORS: Readonly<Record<string, LabelRequirement["operator"]>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * Converts a `metav1.LabelSelector` object (`{matchLabels?: {k: v}, matchExpressions?:
 * [{key, operator: "In"|"NotIn"|"Exists"|"DoesNotExist", values?}]}`) into requirements,
 * as `metav1.LabelSelectorAsSelector` does: `matchLabels` become `=` requirements, an empty
 * object selects everything (`[]`).
 *
 * A `null`/absent selector selects *nothing* in Kubernetes; use
 * {@linkcode matchesLabelSelectorObject} for that case — this function throws for it.
 *
 * @throws {SelectorError} for a non-object, an unknown operator
 *   (`"Foo" is not a valid label selector operator`) or invalid keys/values.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 *
 * @example
 * ```ts
 * import { labelSelectorFromObject } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * const reqs = labelSelectorFromObject({
 *   matchLabels: { app: "web" },
 *   matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }],
 * });
 * assert.deepEqual(reqs.map((r) => r.operator), ["=", "notin"]);
 * ```
 */
export function labelSelectorFromObject(sel: unknown): LabelRequirement[] {
  const text = JSON.stringify(sel) ?? "undefined";
  if (!isRecord(sel)) {
    throw new SelectorError(text, `label selector must be an object, got ${text}`);
  }
  const out: LabelRequirement[] = [];
  try {
    const ml = sel.matchLabels;
    if (ml !== undefined && ml !== null) {
      if (!isRecord(ml)) throw new ParseFailure("matchLabels must be a map of strings");
      for (const k of Object.keys(ml).sort()) {
        const v = ml[k];
        if (typeof v !== "string") throw new ParseFailure(`matchLabels.${k} must be a string`);
        out.push(newRequirement(k, "=", [v]));
      }
    }
    const me = sel.matchExpressions;
    if (me !== undefined && me !== null) {
      if (!Array.isArray(me)) throw new ParseFailure("matchExpressions must be a list");
      for (const e of me) {
        if (!isRecord(e)) throw new ParseFailure("matchExpressions items must be objects");
        const op = EXPRESSION_OPERATORS[String(e.operator)];
        if (op === undefined) {
          throw new ParseFailure(
            `${JSON.stringify(String(e.operator ?? ""))} is not a valid label selector operator`,
          );
        }
        const vals = e.values ?? [];
        if (!Array.isArray(vals) || vals.some((v) => typeof v !== "string")) {
          throw new ParseFailure("matchExpressions values must be a list of strings");
        }
        out.push(newRequirement(String(e.key ?? ""), op, vals as string[]));
      }
    }
  } catch (e) {
    if (e instanceof ParseFailure) throw new SelectorError(text, e.message);
    throw e;
  }
  return out.sort(byKey);
}

function intValue(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/**
 * True when `labels` satisfy every requirement (an empty list matches everything). Missing
 * keys satisfy `!=`, `notin` and `!`; `gt`/`lt` need an integer label value.
 *
 * Source: `Requirement.Matches` in `k8s.io/apimachinery/pkg/labels/selector.go`.
 *
 * @example
 * ```ts
 * import { matchesLabelSelector, parseLabelSelector } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * const reqs = parseLabelSelector("app=web,env notin (prod)");
 * assert.equal(matchesLabelSelector(reqs, { app: "web" }), true);
 * assert.equal(matchesLabelSelector(reqs, { app: "web", env: "prod" }), false);
 * ```
 */
export function matchesLabelSelector(
  reqs: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const ls = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(ls, r.key);
    const v = has ? ls[r.key] : undefined;
    switch (r.operator) {
      case "=":
      case "==":
      case "in":
        return has && r.values.includes(v ?? "");
      case "!=":
      case "notin":
        return !has || !r.values.includes(v ?? "");
      case "exists":
        return has;
      case "!":
        return !has;
      case "gt":
      case "lt": {
        if (!has || r.values.length !== 1) return false;
        const lv = intValue(v ?? "");
        const rv = intValue(r.values[0] ?? "");
        if (lv === undefined || rv === undefined) return false;
        return r.operator === "gt" ? lv > rv : lv < rv;
      }
    }
  });
}

/**
 * Matches a `metav1.LabelSelector` object against labels with Kubernetes' nil semantics:
 * `null`/absent selects nothing, `{}` selects everything.
 *
 * @throws {SelectorError} as {@linkcode labelSelectorFromObject}.
 *
 * @example
 * ```ts
 * import { matchesLabelSelectorObject } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * assert.equal(matchesLabelSelectorObject(undefined, { app: "web" }), false);
 * assert.equal(matchesLabelSelectorObject({}, { app: "web" }), true);
 * ```
 */
export function matchesLabelSelectorObject(
  sel: unknown,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (sel === undefined || sel === null) return false;
  return matchesLabelSelector(labelSelectorFromObject(sel), labels);
}

/**
 * Renders requirements as a selector string in apimachinery's canonical form
 * (`Selector.String()`): sorted by key, `key in (a,b)`, `!key`, `key>3` — e.g. for a Scale
 * subresource's `status.selector`.
 *
 * @example
 * ```ts
 * import { formatLabelSelector, labelSelectorFromObject } from "./label_selector.ts";
 * import assert from "node:assert/strict";
 * const sel = { matchLabels: { app: "web" }, matchExpressions: [{ key: "x", operator: "Exists" }] };
 * assert.equal(formatLabelSelector(labelSelectorFromObject(sel)), "app=web,x");
 * ```
 */
export function formatLabelSelector(reqs: readonly LabelRequirement[]): string {
  return [...reqs].sort(byKey).map((r) => {
    const vals = [...r.values].sort();
    switch (r.operator) {
      case "exists":
        return r.key;
      case "!":
        return `!${r.key}`;
      case "in":
      case "notin":
        return `${r.key} ${r.operator} (${vals.join(",")})`;
      case "gt":
        return `${r.key}>${vals[0] ?? ""}`;
      case "lt":
        return `${r.key}<${vals[0] ?? ""}`;
      default:
        return `${r.key}${r.operator}${vals[0] ?? ""}`;
    }
  }).join(",");
}
