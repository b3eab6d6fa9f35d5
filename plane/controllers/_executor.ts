/**
 * Helpers shared by the controller loops: keys, owner lookups, the patches that adopt and release
 * dependents, and status patches.
 *
 * @module
 */
import type { KubeObject } from "../store/kube_object.ts";
import { controllerRef, type OwnerReference, type WorkloadMeta } from "./_objects.ts";

/** `namespace/name`. */
export function keyOf(meta: { namespace?: string; name?: string }): string {
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

/** Splits `namespace/name`. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The key of the controller owner of `meta` when it is of `kind`. */
export function ownerKey(meta: WorkloadMeta, kind: string): string | undefined {
  const ref = controllerRef(meta);
  return ref && ref.kind === kind ? `${meta.namespace ?? ""}/${ref.name}` : undefined;
}

/** JSON patch adding `ref` to `obj`'s owner references, guarded by its uid (adoption). */
export function adoptPatch(obj: KubeObject, uid: string, ref: OwnerReference): unknown[] {
  const refs = obj.metadata.ownerReferences;
  return [
    { op: "test", path: "/metadata/uid", value: uid },
    Array.isArray(refs) && refs.length > 0
      ? { op: "add", path: "/metadata/ownerReferences/-", value: ref }
      : { op: "add", path: "/metadata/ownerReferences", value: [ref] },
  ];
}

/** JSON patch removing the owner reference to `ownerUid` from `obj` (release), or undefined. */
export function releasePatch(
  obj: KubeObject,
  uid: string,
  ownerUid: string,
): unknown[] | undefined {
  const refs = Array.isArray(obj.metadata.ownerReferences)
    ? obj.metadata.ownerReferences as OwnerReference[]
    : [];
  const i = refs.findIndex((r) => r.uid === ownerUid);
  if (i < 0) return undefined;
  return [
    { op: "test", path: "/metadata/uid", value: uid },
    { op: "test", path: `/metadata/ownerReferences/${i}/uid`, value: ownerUid },
    { op: "remove", path: `/metadata/ownerReferences/${i}` },
  ];
}

/**
 * A merge patch body that makes `status` exactly `next`: fields of `prev` absent from `next`
 * are set to null (deleted), so counts that dropped to zero (omitted) read back as 0.
 */
export function statusMergePatch(
  prev: Record<string, unknown> | undefined,
  next: object,
): { status: Record<string, unknown> } {
  const out: Record<string, unknown> = { ...next };
  for (const k of Object.keys(prev ?? {})) if (!(k in out)) out[k] = null;
  return { status: out };
}

/** The message of an error for events and conditions (one line). */
export function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}
