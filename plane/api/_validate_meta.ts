/**
 * `ObjectMeta` validation as kube-apiserver does it (`ValidateObjectMeta`,
 * `ValidateObjectMetaUpdate`), plus the shared label and annotation rules.
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type FieldErrors, FieldPath } from "./_field_errors.ts";
import {
  byteLength,
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  qualifiedNameErrors,
} from "./_name_rules.ts";

/** Total size limit of all annotations of one object (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

/** The kinds whose objects have no namespace. */
const CLUSTER_SCOPED = new Set(["Namespace", "Node", "PriorityClass"]);

/** True when objects of `kind` live in a namespace. */
export function isNamespacedKind(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind);
}

/** The name rule of each kind (default: DNS-1123 subdomain). */
export function nameRule(kind: string): (name: string) => string[] {
  switch (kind) {
    case "Namespace":
      return dns1123LabelErrors;
    case "Service":
      return dns1035LabelErrors;
    default:
      return dns1123SubdomainErrors;
  }
}

/** `generateName` is checked with its trailing `-` masked (`maskTrailingDash`). */
function maskTrailingDash(s: string): string {
  return s.length > 1 && s.endsWith("-") ? s.slice(0, -2) + "a" : s;
}

/** Label map rules: qualified-name keys, label-value values. */
export function validateLabels(errs: FieldErrors, labels: unknown, path: FieldPath): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) {
    errs.invalid(path, labels, "must be a map of string keys to string values");
    return;
  }
  for (const k of Object.keys(labels).sort()) {
    errs.invalidEach(path, k, qualifiedNameErrors(k));
    const v = labels[k];
    if (typeof v !== "string") {
      errs.invalid(path.key(k), v, "must be a string");
      continue;
    }
    errs.invalidEach(path, v, labelValueErrors(v));
  }
}

/** Annotation rules: qualified-name keys (case-insensitive), 256 KiB in total. */
export function validateAnnotations(errs: FieldErrors, ann: unknown, path: FieldPath): void {
  if (ann === undefined || ann === null) return;
  if (!isRecord(ann)) {
    errs.invalid(path, ann, "must be a map of string keys to string values");
    return;
  }
  let total = 0;
  for (const k of Object.keys(ann).sort()) {
    errs.invalidEach(path, k, qualifiedNameErrors(k.toLowerCase()));
    const v = ann[k];
    if (typeof v !== "string") {
      errs.invalid(path.key(k), v, "must be a string");
      continue;
    }
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_B);
}

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

function validateFinalizers(errs: FieldErrors, fin: unknown, path: FieldPath): void {
  if (fin === undefined || fin === null) return;
  if (!Array.isArray(fin)) {
    errs.invalid(path, fin, "must be a list of strings");
    return;
  }
  const seen = new Set<string>();
  fin.forEach((f, i) => {
    if (typeof f !== "string") {
      errs.invalid(path.index(i), f, "must be a string");
      return;
    }
    const msgs = qualifiedNameErrors(f);
    errs.invalidEach(path, f, msgs);
    if (msgs.length === 0 && !f.includes("/") && !STANDARD_FINALIZERS.has(f)) {
      errs.invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified");
    }
    if (seen.has(f)) errs.duplicate(path.index(i), f);
    seen.add(f);
  });
}

function validateOwnerReferences(errs: FieldErrors, refs: unknown, path: FieldPath): void {
  if (refs === undefined || refs === null) return;
  if (!Array.isArray(refs)) {
    errs.invalid(path, refs, "must be a list");
    return;
  }
  let controllers = 0;
  refs.forEach((r, i) => {
    const p = path.index(i);
    if (!isRecord(r)) {
      errs.invalid(p, r, "must be an object");
      return;
    }
    if (typeof r.apiVersion !== "string" || r.apiVersion === "") {
      errs.invalid(p.child("apiVersion"), r.apiVersion ?? "", "version must not be empty");
    }
    if (typeof r.kind !== "string" || r.kind === "") {
      errs.invalid(p.child("kind"), r.kind ?? "", "kind must not be empty");
    }
    if (typeof r.name !== "string" || r.name === "") {
      errs.invalid(p.child("name"), r.name ?? "", "name must not be empty");
    }
    if (typeof r.uid !== "string" || r.uid === "") {
      errs.invalid(p.child("uid"), r.uid ?? "", "uid must not be empty");
    }
    if (r.controller === true) controllers++;
  });
  if (controllers > 1) {
    errs.invalid(path, refs, "Only one reference can have Controller set to true");
  }
}

/** `ValidateObjectMeta` for an object of `kind` (path `metadata`). */
export function validateObjectMeta(errs: FieldErrors, kind: string, meta: unknown): void {
  const path = new FieldPath("metadata");
  if (!isRecord(meta)) {
    errs.required(path.child("name"), "name or generateName is required");
    return;
  }
  const rule = nameRule(kind);
  const name = meta.name;
  const generateName = meta.generateName;
  if (typeof generateName === "string" && generateName !== "") {
    errs.invalidEach(
      path.child("generateName"),
      generateName,
      rule(maskTrailingDash(generateName)),
    );
  }
  if (typeof name === "string" && name !== "") {
    errs.invalidEach(path.child("name"), name, rule(name));
  } else if (name !== undefined && name !== null && name !== "") {
    errs.invalid(path.child("name"), name, "must be a string");
  } else if (typeof generateName !== "string" || generateName === "") {
    errs.required(path.child("name"), "name or generateName is required");
  }
  const ns = meta.namespace;
  if (isNamespacedKind(kind)) {
    if (typeof ns !== "string" || ns === "") errs.required(path.child("namespace"));
    else errs.invalidEach(path.child("namespace"), ns, dns1123LabelErrors(ns));
  } else if (typeof ns === "string" && ns !== "") {
    errs.forbidden(path.child("namespace"), "not allowed on this type");
  }
  if (typeof meta.generation === "number" && meta.generation < 0) {
    errs.invalid(path.child("generation"), meta.generation, "must be greater than or equal to 0");
  }
  validateLabels(errs, meta.labels, path.child("labels"));
  validateAnnotations(errs, meta.annotations, path.child("annotations"));
  validateOwnerReferences(errs, meta.ownerReferences, path.child("ownerReferences"));
  validateFinalizers(errs, meta.finalizers, path.child("finalizers"));
}

/** `ValidateObjectMetaUpdate`: name, namespace, uid and creationTimestamp never change. */
export function validateObjectMetaUpdate(errs: FieldErrors, meta: unknown, old: unknown): void {
  if (!isRecord(meta) || !isRecord(old)) return;
  const path = new FieldPath("metadata");
  for (const f of ["name", "namespace", "uid", "creationTimestamp"]) {
    const o = old[f];
    if (o === undefined || o === "") continue;
    if (meta[f] !== o) errs.invalid(path.child(f), meta[f] ?? "", "field is immutable");
  }
}
