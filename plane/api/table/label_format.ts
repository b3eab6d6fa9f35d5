/**
 * Labels and label selectors as the printers write them (`SELECTOR` columns).
 *
 * @module
 */
import { isRecord } from "../../../core/is_record.ts";
import { rec, str, strs } from "./_fields.ts";

/**
 * A label map as `k=v` pairs sorted by key and joined with `,`; `"<none>"` when empty
 * (`labels.FormatLabels` in k8s.io/apimachinery/pkg/labels).
 *
 * @example
 * ```ts
 * import { formatLabels } from "./label_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatLabels({ tier: "web", app: "shop" }), "app=shop,tier=web");
 * assert.equal(formatLabels({}), "<none>");
 * ```
 */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort(compareGo);
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

/**
 * A `metav1.LabelSelector` as text (`LabelSelectorAsSelector(sel).String()`): `matchLabels` as
 * `k=v`, `matchExpressions` as `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, all requirements sorted
 * by key and joined with `,`; values of a set sorted. An absent or empty selector gives `""`;
 * an unknown operator gives `"<invalid>"` (the Deployment printer's text for a selector error).
 *
 * @param selector the selector object (`spec.selector`), or anything else for "none".
 *
 * @example
 * ```ts
 * import { labelSelectorString } from "./label_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   labelSelectorString({
 *     matchLabels: { app: "web" },
 *     matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }],
 *   }),
 *   "app=web,env in (dev,prod)",
 * );
 * ```
 */
export function labelSelectorString(selector: unknown): string {
  if (!isRecord(selector)) return "";
  const reqs: [string, string][] = [];
  for (const [k, v] of Object.entries(rec(selector, "matchLabels"))) {
    if (typeof v === "string") reqs.push([k, `${k}=${v}`]);
  }
  const exprs = selector["matchExpressions"];
  for (const e of Array.isArray(exprs) ? exprs : []) {
    const key = str(e, "key");
    const values = strs(e, "values").sort(compareGo);
    const set = values.length === 1 ? values[0] : values.join(",");
    switch (str(e, "operator")) {
      case "In":
        reqs.push([key, `${key} in (${set})`]);
        break;
      case "NotIn":
        reqs.push([key, `${key} notin (${set})`]);
        break;
      case "Exists":
        reqs.push([key, key]);
        break;
      case "DoesNotExist":
        reqs.push([key, `!${key}`]);
        break;
      default:
        return "<invalid>";
    }
  }
  // labels.Selector.Add keeps requirements sorted by key (stable for equal keys).
  reqs.sort((a, b) => compareGo(a[0], b[0]));
  return reqs.map(([, text]) => text).join(",");
}

/**
 * {@linkcode labelSelectorString}, with `"<none>"` for an empty result and `"<error>"` for an
 * invalid selector (`metav1.FormatLabelSelector`, used by the ReplicaSet printer).
 *
 * @example
 * ```ts
 * import { formatLabelSelector } from "./label_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatLabelSelector({ matchLabels: { app: "web" } }), "app=web");
 * assert.equal(formatLabelSelector(undefined), "<none>");
 * ```
 */
export function formatLabelSelector(selector: unknown): string {
  const text = labelSelectorString(selector);
  if (text === "<invalid>") return "<error>";
  return text === "" ? "<none>" : text;
}

/** Byte-wise string order, as Go's `sort.Strings`. */
function compareGo(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
