/**
 * Pod sandbox records in the state database (table `pod_sandboxes`, migration 2). The record
 * holds intent and identity (config, manifest, allocated network, pause container id); the
 * runtime and the monitor say what actually runs.
 *
 * @module
 */
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Database, SqlRow } from "../store/db.ts";
import type { OwnerProcess } from "../owner_process.ts";
import { creatorValues, readCreator } from "../store/creator_columns.ts";
import { RowReader } from "../store/row_reader.ts";
import { list, text } from "../store/shape.ts";
import { podManifestShape, podSandboxConfigShape } from "./pod_shapes.ts";
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
  /**
   * Engine container id of the pause container; `""` for a sandbox without one (`isPauseless`,
   * set when the record is inserted); unset while its pause container is being created.
   */
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
  /**
   * The process creating the pod (`pod run`, `pod create`), recorded before anything is
   * acquired and cleared once it finished: while this is set and that process is gone, the
   * pod's creation was interrupted (see `core/owner_process.ts`).
   */
  creator?: OwnerProcess;
}

/**
 * Turns a row of `pod_sandboxes` into a {@linkcode SandboxRecord}, checking every column and
 * every field of the stored config and manifest.
 *
 * @example
 * ```ts ignore
 * import { sandboxFromRow } from "./pod_store.ts";
 * const rec = sandboxFromRow(db.get("SELECT * FROM pod_sandboxes")!);
 * ```
 *
 * @throws {MalformedRowError} Naming the column (and field) that does not have its type.
 */
export function sandboxFromRow(row: SqlRow, opts: SandboxFromRowOptions = {}): SandboxRecord {
  const r = new RowReader("pod_sandboxes", row);
  const rec: SandboxRecord = {
    id: r.text("id"),
    name: r.text("name"),
    namespace: r.text("namespace"),
    uid: r.text("uid"),
    // Checked here, or (configOnUse) in place on first use: see RowReader.lazyJson.
    config: opts.configOnUse
      ? undefined as unknown as PodSandboxConfig
      : r.json("config", podSandboxConfigShape),
    stateDir: r.text("state_dir"),
    cgroupParent: r.text("cgroup_parent"),
    netnsPath: r.text("netns_path"),
    ips: r.json("ips", list(text)),
    stopped: r.boolean("stopped"),
    createdAt: r.integer("created_at"),
  };
  const manifest = r.optionalJson("manifest", podManifestShape);
  if (manifest) rec.manifest = manifest;
  const creator = readCreator(r);
  if (creator) rec.creator = creator;
  for (
    const [key, col] of [
      ["pauseContainerId", "pause_container"],
      ["hostsFile", "hosts_file"],
      ["resolvConfFile", "resolv_conf_file"],
      ["failure", "failure"],
    ] as const
  ) {
    const v = r.optionalText(col);
    if (v !== undefined) rec[key] = v;
  }
  if (opts.configOnUse) r.lazyJson(rec, "config", "config", podSandboxConfigShape);
  return rec;
}

/** Options of {@linkcode sandboxFromRow} and {@linkcode listSandboxRecords}. */
export interface SandboxFromRowOptions {
  /**
   * Parse and check the stored CRI sandbox config when `record.config` is first used instead
   * of now (default false), for listings that do not show it (`rkl pod list`). A malformed
   * config then throws its `MalformedRowError` on that first use.
   */
  configOnUse?: boolean;
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
        created_at, creator_pid, creator_started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      ...creatorValues(rec.creator),
    );
  });
}

/** The mutable fields of a sandbox record (`creator: undefined` clears the creator). */
export type SandboxUpdate =
  & Partial<
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
  >
  & { creator?: OwnerProcess | undefined };

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
  if ("creator" in patch) {
    const [pid, startedAt] = creatorValues(patch.creator);
    set("creator_pid", pid);
    set("creator_started_at", startedAt);
  }
  if (cols.length === 0) return;
  db.run(`UPDATE pod_sandboxes SET ${cols.join(", ")} WHERE id = ?`, ...vals, id);
}

/** Every sandbox record, oldest first. */
export function listSandboxRecords(
  db: Database,
  opts: SandboxFromRowOptions = {},
): SandboxRecord[] {
  return db.all("SELECT * FROM pod_sandboxes ORDER BY created_at, id").map((row) =>
    sandboxFromRow(row, opts)
  );
}

/**
 * The `namespace/name` of every sandbox record: one query, no record parsed (the daemon asks
 * it before creating a pod it was just told about).
 */
export function sandboxKeys(db: Database): Set<string> {
  return new Set(
    db.all("SELECT namespace, name FROM pod_sandboxes").map((r) => `${r.namespace}/${r.name}`),
  );
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
