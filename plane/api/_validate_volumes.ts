/**
 * The volume checks of kube-apiserver's pod validation: `ValidateVolumes` (names, exactly one
 * source, and the configMap, secret, downwardAPI, projected and hostPath sources) and
 * `ValidateVolumeMounts` (declared volume, unique mount path, `subPath`/`subPathExpr`).
 *
 * Field paths and wording follow `pkg/apis/core/validation/validation.go` (Kubernetes 1.32),
 * including its quirks: a mount's `subPath` errors name `volumeMounts.subPath` without the
 * index, projected duplicate paths name `projected` and carry the source's name (or the path
 * for downwardAPI), a volume with any error is not declared (so its mounts also read
 * `Not found`), and a second source of a volume is reported in Go's struct field order.
 *
 * Source: https://kubernetes.io/docs/concepts/storage/volumes/ and
 * https://kubernetes.io/docs/concepts/storage/projected-volumes/
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import type { FieldErrors, FieldPath } from "./_field_errors.ts";
import { dns1123LabelErrors } from "./_name_rules.ts";

type Obj = Record<string, unknown>;

/** `fileModeErrorMsg`. */
export const FILE_MODE_MESSAGE = "must be a number between 0 and 0777 (octal), both inclusive";

/**
 * The volume sources in the order `validateVolumeSource` checks them (Go's struct order, with
 * `emptyDir` first), each with the field path name it reports a second source under (upstream
 * writes `downwarAPI` and `cephFS` there).
 */
const SOURCE_ORDER: readonly (readonly [string, string])[] = [
  ["emptyDir", "emptyDir"],
  ["hostPath", "hostPath"],
  ["gitRepo", "gitRepo"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["flocker", "flocker"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["quobyte", "quobyte"],
  ["downwardAPI", "downwarAPI"],
  ["fc", "fc"],
  ["flexVolume", "flexVolume"],
  ["configMap", "configMap"],
  ["azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
  ["image", "image"],
];

const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];

const VOLUME_FIELD_PATHS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
];

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** `validatePathNoBacksteps`: no `..` element. */
function validateNoBacksteps(errs: FieldErrors, p: string, path: FieldPath): void {
  if (p.split("/").includes("..")) errs.invalid(path, p, "must not contain '..'");
}

/** `validateLocalDescendingPath`: relative, no `..` element. */
export function validateLocalDescendingPath(errs: FieldErrors, p: string, path: FieldPath): void {
  if (p.startsWith("/")) errs.invalid(path, p, "must be a relative path");
  validateNoBacksteps(errs, p, path);
}

/** `ValidateLocalNonReservedPath`: a descending path that does not start with `..`. */
function validateLocalNonReservedPath(errs: FieldErrors, p: string, path: FieldPath): void {
  validateLocalDescendingPath(errs, p, path);
  if (p.startsWith("..") && !p.startsWith("../")) {
    errs.invalid(path, p, "must not start with '..'");
  }
}

function validateMode(errs: FieldErrors, mode: unknown, path: FieldPath): void {
  if (typeof mode === "number" && (mode < 0 || mode > 0o777)) {
    errs.invalid(path, mode, FILE_MODE_MESSAGE);
  }
}

/** `validateKeyToPath` for configMap and secret `items[]`. */
function validateKeyToPath(errs: FieldErrors, kp: unknown, path: FieldPath): void {
  const item: Obj = isRecord(kp) ? kp : {};
  if (text(item.key) === "") errs.required(path.child("key"));
  const p = text(item.path);
  if (p === "") errs.required(path.child("path"));
  validateLocalNonReservedPath(errs, p, path.child("path"));
  validateMode(errs, item.mode, path.child("mode"));
}

/** `validateDownwardAPIVolumeFile`; `path` is the source's path (upstream does not index items). */
function validateDownwardAPIFile(errs: FieldErrors, f: unknown, path: FieldPath): void {
  const file: Obj = isRecord(f) ? f : {};
  const p = text(file.path);
  if (p === "") errs.required(path.child("path"));
  validateLocalNonReservedPath(errs, p, path.child("path"));
  if (isRecord(file.fieldRef)) {
    const fp = text(file.fieldRef.fieldPath);
    const fpPath = path.child("fieldRef", "fieldPath");
    if (fp === "") errs.required(fpPath);
    else if (!fp.includes("[") && !VOLUME_FIELD_PATHS.includes(fp)) {
      errs.notSupported(fpPath, fp, VOLUME_FIELD_PATHS);
    }
    if (present(file.resourceFieldRef)) {
      errs.invalid(
        path,
        "resource",
        "fieldRef and resourceFieldRef can not be specified simultaneously",
      );
    }
  } else if (!present(file.resourceFieldRef)) {
    errs.required(path, "one of fieldRef and resourceFieldRef is required");
  }
  validateMode(errs, file.mode, path.child("mode"));
}

/** `validateProjectedVolumeSource` with `validateProjectionSources`. */
function validateProjected(errs: FieldErrors, proj: Obj, path: FieldPath): void {
  validateMode(errs, proj.defaultMode, path.child("defaultMode"));
  const seen = new Set<string>();
  const claim = (p: string, shown: unknown): void => {
    if (p === "") return;
    if (seen.has(p)) errs.invalid(path, shown, "conflicting duplicate paths");
    else seen.add(p);
  };
  list(proj.sources).forEach((s, i) => {
    const src: Obj = isRecord(s) ? s : {};
    const sp = path.child("sources").index(i);
    let count = 0;
    for (const kind of ["secret", "configMap"]) {
      const ref = src[kind];
      if (!present(ref)) continue;
      count++;
      const r: Obj = isRecord(ref) ? ref : {};
      const kp = sp.child(kind);
      if (text(r.name) === "") errs.required(kp.child("name"));
      list(r.items).forEach((item, j) => {
        validateKeyToPath(errs, item, kp.child("items").index(j));
        claim(isRecord(item) ? text(item.path) : "", text(r.name));
      });
    }
    if (present(src.downwardAPI)) {
      count++;
      const d: Obj = isRecord(src.downwardAPI) ? src.downwardAPI : {};
      for (const item of list(d.items)) {
        validateDownwardAPIFile(errs, item, sp.child("downwardAPI"));
        const p = isRecord(item) ? text(item.path) : "";
        claim(p, p);
      }
    }
    if (present(src.serviceAccountToken)) {
      count++;
      const t: Obj = isRecord(src.serviceAccountToken) ? src.serviceAccountToken : {};
      const exp = t.expirationSeconds;
      const ep = sp.child("serviceAccountToken", "expirationSeconds");
      if (typeof exp === "number" && exp < 600) {
        errs.invalid(ep, exp, "may not specify a duration less than 10 minutes");
      }
      if (typeof exp === "number" && exp > 2 ** 32) {
        errs.invalid(ep, exp, "may not specify a duration larger than 2^32 seconds");
      }
      const p = text(t.path);
      if (p === "") errs.required(path.child("path"));
      else validateLocalNonReservedPath(errs, p, path.child("path"));
    }
    if (present(src.clusterTrustBundle)) count++;
    if (count > 1) errs.forbidden(sp, "may not specify more than 1 volume type");
  });
}

/** The checks of one source, at `path` (`spec.volumes[0].configMap`). */
function validateSource(errs: FieldErrors, field: string, value: unknown, path: FieldPath): void {
  const src: Obj = isRecord(value) ? value : {};
  switch (field) {
    case "hostPath": {
      const p = text(src.path);
      if (p === "") {
        errs.required(path.child("path"));
        return;
      }
      validateNoBacksteps(errs, p, path.child("path"));
      if (present(src.type) && !HOST_PATH_TYPES.includes(text(src.type))) {
        errs.notSupported(path.child("type"), src.type, HOST_PATH_TYPES);
      }
      return;
    }
    case "secret":
      if (text(src.secretName) === "") errs.required(path.child("secretName"));
      validateMode(errs, src.defaultMode, path.child("defaultMode"));
      list(src.items).forEach((item, i) =>
        validateKeyToPath(errs, item, path.child("items").index(i))
      );
      return;
    case "configMap":
      if (text(src.name) === "") errs.required(path.child("name"));
      validateMode(errs, src.defaultMode, path.child("defaultMode"));
      list(src.items).forEach((item, i) =>
        validateKeyToPath(errs, item, path.child("items").index(i))
      );
      return;
    case "downwardAPI":
      validateMode(errs, src.defaultMode, path.child("defaultMode"));
      for (const item of list(src.items)) validateDownwardAPIFile(errs, item, path);
      return;
    case "projected":
      validateProjected(errs, src, path);
      return;
    case "persistentVolumeClaim":
      if (text(src.claimName) === "") errs.required(path.child("claimName"));
      return;
  }
}

/**
 * `ValidateVolumes`: each volume has a unique DNS-1123-label name and exactly one valid
 * source. Returns the names of the volumes without errors (the ones a mount may name).
 */
export function validateVolumes(errs: FieldErrors, vols: unknown, path: FieldPath): Set<string> {
  const names = new Set<string>();
  list(vols).forEach((v, i) => {
    const vp = path.index(i);
    if (!isRecord(v)) {
      errs.invalid(vp, v, "must be an object");
      return;
    }
    const before = errs.list.length;
    let count = 0;
    for (const [field, reported] of SOURCE_ORDER) {
      if (!present(v[field])) continue;
      if (count > 0) {
        errs.forbidden(vp.child(reported), "may not specify more than 1 volume type");
        continue;
      }
      count++;
      validateSource(errs, field, v[field], vp.child(field));
    }
    if (count === 0) errs.required(vp, "must specify a volume type");
    const name = text(v.name);
    if (name === "") errs.required(vp.child("name"));
    else errs.invalidEach(vp.child("name"), name, dns1123LabelErrors(name));
    if (names.has(name)) errs.duplicate(vp.child("name"), name);
    if (errs.list.length === before) names.add(name);
  });
  return names;
}

/**
 * `ValidateVolumeMounts` for one container's `volumeMounts` at `path`
 * (`spec.containers[0].volumeMounts`): a declared volume, a unique mount path, and a relative
 * `subPath`/`subPathExpr` without `..` (the two are mutually exclusive).
 */
export function validateVolumeMounts(
  errs: FieldErrors,
  mounts: unknown,
  path: FieldPath,
  volumes: ReadonlySet<string>,
): void {
  const mountPaths = new Set<string>();
  list(mounts).forEach((m, i) => {
    const mp = path.index(i);
    if (!isRecord(m)) {
      errs.invalid(mp, m, "must be an object");
      return;
    }
    const name = text(m.name);
    if (name === "") errs.required(mp.child("name"));
    if (!volumes.has(name)) errs.notFound(mp.child("name"), name);
    const mountPath = text(m.mountPath);
    if (mountPath === "") errs.required(mp.child("mountPath"));
    if (mountPaths.has(mountPath)) errs.invalid(mp.child("mountPath"), mountPath, "must be unique");
    mountPaths.add(mountPath);
    const subPath = text(m.subPath);
    if (subPath !== "") validateLocalDescendingPath(errs, subPath, path.child("subPath"));
    const expr = text(m.subPathExpr);
    if (expr !== "") {
      if (subPath !== "") {
        errs.invalid(
          mp.child("subPathExpr"),
          expr,
          "subPathExpr and subPath are mutually exclusive",
        );
      }
      validateLocalDescendingPath(errs, expr, path.child("subPathExpr"));
    }
  });
}
