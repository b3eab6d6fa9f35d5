/**
 * What kube-apiserver's field manager does with kubectl's client-side apply annotation
 * (`kubectl.kubernetes.io/last-applied-configuration`) when the field manager is `kubectl`
 * (kubectl's `apply --server-side` default):
 *
 * - Upgrade (`lastAppliedManager`): an apply whose conflicts are all on fields the annotation
 *   still describes — the annotation has the field and the live object holds the same value —
 *   is forced, so the first `kubectl apply --server-side` after `kubectl apply` takes over the
 *   fields client-side apply managed instead of conflicting with `kubectl-client-side-apply`.
 *   Conflicts on other fields are reported (only those).
 * - Downgrade (`lastAppliedUpdater`): after a successful apply, an object that carries the
 *   annotation gets it rewritten to the applied configuration, so a later client-side
 *   `kubectl apply` computes its three-way patch from what was applied last.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#upgrading-from-client-side-apply-to-server-side-apply
 * and #downgrading-from-server-side-apply-to-client-side-apply; apimachinery's
 * `managedfields/internal/lastappliedmanager.go` and `lastappliedupdater.go` (behaviour
 * rewritten here, not copied).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { canonicalJson, type FieldPathElements, fieldSetOf, valueAt } from "./_field_set.ts";
import { cloneJson } from "./clone_json.ts";

/** The annotation kubectl's client-side apply writes. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** The only field manager whose applies use the annotation (`kubectl apply --server-side`). */
export const KUBECTL_MANAGER = "kubectl";

function annotationOf(obj: Readonly<Record<string, unknown>>): string | undefined {
  const meta = isRecord(obj.metadata) ? obj.metadata : undefined;
  const annotations = meta !== undefined && isRecord(meta.annotations)
    ? meta.annotations
    : undefined;
  const v = annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The fields of `live` that its last-applied annotation still describes: a predicate that
 * holds for a path the annotation has with the same value as `live`. `undefined` when there
 * is no usable annotation (absent, not JSON, or of another `apiVersion` than `live`).
 */
export function lastAppliedFields(
  live: Readonly<Record<string, unknown>>,
  kind: string,
): ((p: FieldPathElements) => boolean) | undefined {
  const text = annotationOf(live);
  if (text === undefined) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined; // kube-apiserver: no upgrade, the conflicts stand
  }
  if (!isRecord(last) || last.apiVersion !== live.apiVersion) return undefined;
  const fields = fieldSetOf(last, kind);
  return (p) => {
    if (!fields.has(p)) return false;
    const was = valueAt(last, p);
    const now = valueAt(live, p);
    return was.found && now.found && canonicalJson(was.value) === canonicalJson(now.value);
  };
}

/**
 * JSON as Go's `encoding/json` encoder writes an unstructured object: keys sorted, `<`, `>`,
 * `&`, U+2028 and U+2029 escaped, a newline at the end.
 */
function goJson(v: unknown): string {
  return canonicalJson(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ) + "\n";
}

/**
 * `result` with its last-applied annotation set to `applied` (without that annotation),
 * when `result` carries a non-empty one; else `result` unchanged. Modifies `result`.
 */
export function refreshLastApplied(
  result: Record<string, unknown>,
  applied: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (annotationOf(result) === undefined) return result;
  const copy = cloneJson(applied) as Record<string, unknown>;
  if (isRecord(copy.metadata) && isRecord(copy.metadata.annotations)) {
    delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
  }
  const meta = result.metadata as Record<string, unknown>;
  meta.annotations = {
    ...(meta.annotations as Record<string, unknown>),
    [LAST_APPLIED_ANNOTATION]: goJson(copy),
  };
  return result;
}
