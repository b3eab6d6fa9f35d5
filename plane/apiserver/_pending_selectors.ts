// Placeholder until apilib lands plane/api/label_selector.ts and field_selector.ts; delete then.

/** One label requirement. */
export interface LabelRequirement {
  key: string;
  operator: "=" | "==" | "!=" | "in" | "notin" | "exists" | "!";
  values: string[];
}

/** A selector that does not parse. */
export class SelectorError extends Error {
  readonly selector: string;
  constructor(selector: string, message: string) {
    super(message);
    this.name = "SelectorError";
    this.selector = selector;
  }
}

/** Equality-based and existence label selectors only. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^(!)?([^=!]+?)\s*(?:(==|!=|=)\s*(.*))?$/.exec(part);
    if (!m) throw new SelectorError(text, `unable to parse requirement: ${part}`);
    const [, not, key, op, value] = m;
    if (not) out.push({ key: key!, operator: "!", values: [] });
    else if (!op) out.push({ key: key!, operator: "exists", values: [] });
    else out.push({ key: key!, operator: op as "=", values: [value ?? ""] });
  }
  return out;
}

/** True when `labels` satisfy every requirement. */
export function matchesLabelSelector(
  reqs: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const v = l[r.key];
    switch (r.operator) {
      case "exists":
        return v !== undefined;
      case "!":
        return v === undefined;
      case "!=":
      case "notin":
        return v === undefined || !r.values.includes(v);
      default:
        return v !== undefined && r.values.includes(v);
    }
  });
}

/** One field requirement. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "==" | "!=";
  value: string;
}

/** `metadata.name`, `metadata.namespace` and any dotted path. */
export function parseFieldSelector(text: string, _resource: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) {
      throw new SelectorError(text, `invalid selector: '${text}'; can't understand '${part}'`);
    }
    out.push({ field: m[1]!, operator: m[2] as "=", value: m[3]! });
  }
  return out;
}

function fieldValue(obj: Readonly<Record<string, unknown>>, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split(".")) {
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
  }
  return cur === undefined || cur === null ? "" : String(cur);
}

/** True when `obj` satisfies every requirement. */
export function matchesFieldSelector(
  reqs: readonly FieldRequirement[],
  obj: Readonly<Record<string, unknown>>,
): boolean {
  return reqs.every((r) =>
    r.operator === "!="
      ? fieldValue(obj, r.field) !== r.value
      : fieldValue(obj, r.field) === r.value
  );
}
