/**
 * Pod sandbox records in the state database (table `pod_sandboxes`, migration 2). The record
 * holds intent and identity (config, manifest, allocated network, pause container id); the
 * runtime and the monitor say what actually runs.
 *
 * @module
 */
import { ConflictError, NotFoundError, RkError } from "../errors.ts";
import { isRecord } from "../is_record.ts";
import type { Database, SqlRow } from "../store/db.ts";
import type { PodSandboxConfig } from "./cri_types.ts";
import type { PodManifest } from "./pod_manifest.ts";

/** One pod sandbox as stored. */
export interface SandboxRecord {
  /** Sandbox id (64 hex characters). */
  id: string;
  /** Pod name. */
  name: string;
  /** Pod namespace. */
  namespace: string;
  /** Pod uid. */
  uid: string;
  /** The config the sandbox was created from. */
  config: PodSandboxConfig;
  /** The manifest, when the pod was created from one (`rkl pod`); drives the pod planner. */
  manifest?: PodManifest;
  /** Engine container id of the pause container. */
  pauseContainerId?: string;
  /** The pod's state directory (volumes, hosts file). */
  stateDir: string;
  /** The pod cgroup parent (cgroupfs path). */
  cgroupParent: string;
  /** Network namespace path (empty without a network provider or with host networking). */
  netnsPath: string;
  /** Pod IPs, primary first. */
  ips: string[];
  /** /etc/hosts for every container. */
  hostsFile?: string;
  /** /etc/resolv.conf for every container. */
  resolvConfFile?: string;
  /** True once the sandbox was stopped on purpose (StopPodSandbox). */
  stopped: boolean;
  /** Why the pod failed (a failing init container), when it did. */
  failure?: string;
  /** Creation time, ms since the epoch. */
  createdAt: number;
}

function fail(row: SqlRow, what: string): never {
  throw new RkError(`Stored pod sandbox ${String(row.id)} is malformed: ${what}`);
}

function str(row: SqlRow, key: string): string {
  const v = row[key];
  if (typeof v !== "string") fail(row, `${key} is not text`);
  return v;
}

function optStr(row: SqlRow, key: string): string | undefined {
  const v = row[key];
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") fail(row, `${key} is not text`);
  return v;
}

function json(row: SqlRow, key: string): unknown {
  try {
    return JSON.parse(str(row, key));
  } catch (e) {
    if (e instanceof SyntaxError) fail(row, `${key} is not JSON`);
    throw e;
  }
}

function parseConfig(row: SqlRow): PodSandboxConfig {
  const v = json(row, "config");
  if (
    !isRecord(v) || !isRecord(v.metadata) || typeof v.metadata.name !== "string" ||
    typeof v.hostname !== "string" || !Array.isArray(v.portMappings) || !isRecord(v.linux) ||
    !isRecord(v.linux.namespaceOptions) || !isRecord(v.labels) || !isRecord(v.annotations)
  ) {
    fail(row, "config is not a pod sandbox config");
  }
  return v as unknown as PodSandboxConfig;
}

function parseManifest(row: SqlRow): PodManifest | undefined {
  if (row.manifest === null || row.manifest === undefined) return undefined;
  const v = json(row, "manifest");
  if (
    !isRecord(v) || typeof v.name !== "string" || !Array.isArray(v.containers) ||
    !Array.isArray(v.initContainers) || !Array.isArray(v.volumes) ||
    typeof v.restartPolicy !== "string"
  ) {
    fail(row, "manifest is not a pod manifest");
  }
  return v as unknown as PodManifest;
}

/**
 * Turns a database row into a {@linkcode SandboxRecord}, checking every field.
 *
 * @example
 * ```ts ignore
 * import { sandboxFromRow } from "./pod_store.ts";
 * const rec = sandboxFromRow(db.get("SELECT * FROM pod_sandboxes")!);
 * ```
 */
export function sandboxFromRow(row: SqlRow): SandboxRecord {
  const ips = json(row, "ips");
  if (!Array.isArray(ips) || ips.some((x) => typeof x !== "string")) fail(row, "ips");
  const createdAt = row.created_at;
  if (typeof createdAt !== "number") fail(row, "created_at");
  const rec: SandboxRecord = {
    id: str(row, "id"),
    name: str(row, "name"),
    namespace: str(row, "namespace"),
    uid: str(row, "uid"),
    config: parseConfig(row),
    stateDir: str(row, "state_dir"),
    cgroupParent: str(row, "cgroup_parent"),
    netnsPath: str(row, "netns_path"),
    ips: ips as string[],
    stopped: row.stopped === 1,
    createdAt,
  };
  const manifest = parseManifest(row);
  if (manifest) rec.manifest = manifest;
  for (
    const [key, col] of [
      ["pauseContainerId", "pause_container"],
      ["hostsFile", "hosts_file"],
      ["resolvConfFile", "resolv_conf_file"],
      ["failure", "failure"],
    ] as const
  ) {
    const v = optStr(row, col);
    if (v !== undefined) rec[key] = v;
  }
  return rec;
}

/**
 * Inserts a sandbox record. A pod with the same namespace and name is a {@linkcode ConflictError}.
 */
export function insertSandbox(db: Database, rec: SandboxRecord): void {
  db.transaction((tx) => {
    const existing = tx.get(
      "SELECT id FROM pod_sandboxes WHERE namespace = ? AND name = ?",
      rec.namespace,
      rec.name,
    );
    if (existing) {
      throw new ConflictError(
        `Pod "${rec.name}" already exists in namespace "${rec.namespace}" (sandbox ${
          String(existing.id).slice(0, 12)
        })`,
      );
    }
    tx.run(
      `INSERT INTO pod_sandboxes (id, name, namespace, uid, config, manifest, pause_container,
        state_dir, cgroup_parent, netns_path, ips, hosts_file, resolv_conf_file, stopped, failure,
        created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      rec.id,
      rec.name,
      rec.namespace,
      rec.uid,
      JSON.stringify(rec.config),
      rec.manifest ? JSON.stringify(rec.manifest) : null,
      rec.pauseContainerId ?? null,
      rec.stateDir,
      rec.cgroupParent,
      rec.netnsPath,
      JSON.stringify(rec.ips),
      rec.hostsFile ?? null,
      rec.resolvConfFile ?? null,
      rec.stopped ? 1 : 0,
      rec.failure ?? null,
      rec.createdAt,
    );
  });
}

/** The mutable fields of a sandbox record. */
export type SandboxUpdate = Partial<
  Pick<
    SandboxRecord,
    | "pauseContainerId"
    | "netnsPath"
    | "ips"
    | "hostsFile"
    | "resolvConfFile"
    | "stopped"
    | "failure"
  >
>;

/** Updates fields of a sandbox record. */
export function updateSandbox(db: Database, id: string, patch: SandboxUpdate): void {
  const cols: string[] = [];
  const vals: (string | number | null)[] = [];
  const set = (col: string, v: string | number | null) => {
    cols.push(`${col} = ?`);
    vals.push(v);
  };
  if ("pauseContainerId" in patch) set("pause_container", patch.pauseContainerId ?? null);
  if (patch.netnsPath !== undefined) set("netns_path", patch.netnsPath);
  if (patch.ips !== undefined) set("ips", JSON.stringify(patch.ips));
  if ("hostsFile" in patch) set("hosts_file", patch.hostsFile ?? null);
  if ("resolvConfFile" in patch) set("resolv_conf_file", patch.resolvConfFile ?? null);
  if (patch.stopped !== undefined) set("stopped", patch.stopped ? 1 : 0);
  if ("failure" in patch) set("failure", patch.failure ?? null);
  if (cols.length === 0) return;
  db.run(`UPDATE pod_sandboxes SET ${cols.join(", ")} WHERE id = ?`, ...vals, id);
}

/** Every sandbox record, oldest first. */
export function listSandboxRecords(db: Database): SandboxRecord[] {
  return db.all("SELECT * FROM pod_sandboxes ORDER BY created_at, id").map(sandboxFromRow);
}

/** The record with this id, or undefined. */
export function getSandboxRecord(db: Database, id: string): SandboxRecord | undefined {
  const row = db.get("SELECT * FROM pod_sandboxes WHERE id = ?", id);
  return row ? sandboxFromRow(row) : undefined;
}

/**
 * Finds a sandbox by pod name (in `namespace`), full id or unique id prefix.
 * Throws {@linkcode NotFoundError} when none matches, {@linkcode ConflictError} when a prefix is
 * ambiguous.
 */
export function findSandbox(db: Database, ref: string, namespace = "default"): SandboxRecord {
  const byName = db.get(
    "SELECT * FROM pod_sandboxes WHERE namespace = ? AND name = ?",
    namespace,
    ref,
  );
  if (byName) return sandboxFromRow(byName);
  if (/^[0-9a-f]{3,64}$/.test(ref)) {
    const rows = db.all("SELECT * FROM pod_sandboxes WHERE id LIKE ?", `${ref}%`);
    if (rows.length === 1) return sandboxFromRow(rows[0]!);
    if (rows.length > 1) throw new ConflictError(`Pod id prefix "${ref}" is ambiguous`);
  }
  throw new NotFoundError("pod", ref);
}

/** Deletes a sandbox record (idempotent). */
export function deleteSandboxRecord(db: Database, id: string): void {
  db.run("DELETE FROM pod_sandboxes WHERE id = ?", id);
}
