/**
 * Container records: identity and intent (immutable config) plus the facts rkl observed
 * (pid, times, exit code, network). Status is not stored: it is derived from these facts and
 * the runtime (see `core/container/status.ts`).
 *
 * @module
 */
import { ConflictError, NotFoundError } from "../errors.ts";
import type { PortMapping } from "../network.ts";
import type { ContainerConfig } from "../container/config.ts";
import type { OwnerProcess } from "../owner_process.ts";
import { creatorValues, readCreator } from "./creator_columns.ts";
import { containerConfigShape, portMappingShape } from "../container/config_shape.ts";
import type { Database, SqlRow, SqlValue } from "./db.ts";
import { RowReader } from "./row_reader.ts";
import { dict, list, text } from "./shape.ts";

/** One container as stored. */
export interface ContainerRecord {
  /** Unique id (also the runtime's and conmon's id). */
  id: string;
  /** Unique name. */
  name: string;
  /** Image directory. */
  image: string;
  /** The config it was created from (immutable). */
  config: ContainerConfig;
  /** Labels. */
  labels: Record<string, string>;
  /** Owner (pod sandbox id) or undefined. */
  owner?: string;
  /** Runtime binary that created it. */
  runtime: string;
  /** Its state directory (generated config.json, overlay, logs). */
  stateDir: string;
  /** When the record was created (ms since epoch). */
  createdAt: number;
  /** When it was started. */
  startedAt?: number;
  /** When it exited, once observed. */
  finishedAt?: number;
  /** Init pid reported by the runtime. */
  pid?: number;
  /** Monitor (conmon) pid. */
  monitorPid?: number;
  /** Exit code, once observed. */
  exitCode?: number;
  /** Network namespace the engine attached (undefined when none was attached by the engine). */
  netnsPath?: string;
  /** IP addresses. */
  ips: string[];
  /** Ports. */
  ports: PortMapping[];
  /**
   * The process creating the container, recorded before anything is acquired and cleared once
   * the container is created (or, when the caller starts it, started): while this is set and
   * that process is gone, the creation was interrupted (see `core/owner_process.ts`).
   */
  creator?: OwnerProcess;
}

/**
 * Fields that change after creation. A field given as `undefined` is cleared (stored as NULL);
 * a field left out is kept.
 */
export type ContainerFacts =
  & {
    [K in "startedAt" | "finishedAt" | "pid" | "monitorPid" | "exitCode" | "netnsPath" | "ips"]?:
      | ContainerRecord[K]
      | undefined;
  }
  & {
    /** Who is creating it; `undefined` clears it (the creation finished). */
    creator?: OwnerProcess | undefined;
  };

const COLUMNS: Record<Exclude<keyof ContainerFacts, "creator">, string> = {
  startedAt: "started_at",
  finishedAt: "finished_at",
  pid: "pid",
  monitorPid: "monitor_pid",
  exitCode: "exit_code",
  netnsPath: "netns_path",
  ips: "ips",
};

/**
 * Converts a row of `containers` into a record, checking every column and every field of the
 * JSON columns (`spec`, `labels`, `ips`, `ports`).
 *
 * @example
 * ```ts
 * import { rowToRecord } from "./containers.ts";
 * import assert from "node:assert/strict";
 * const row = {
 *   id: "abc", name: "web", image: "/i", spec: '{"name":"web","image":"/i"}', labels: "{}",
 *   owner: null, runtime: "runc", state_dir: "/s", created_at: 1, started_at: null,
 *   finished_at: null, pid: null, monitor_pid: null, exit_code: null, netns_path: null,
 *   ips: '["10.88.0.2"]', ports: "[]", creator_pid: null, creator_started_at: null,
 * };
 * assert.deepEqual(rowToRecord(row).ips, ["10.88.0.2"]);
 * assert.throws(
 *   () => rowToRecord({ ...row, ips: "[7]" }),
 *   /Malformed row "abc" in table containers: ips\[0\]: expected text, got number 7/,
 * );
 * ```
 *
 * @throws {MalformedRowError} Naming the column (and field) that does not have its type.
 */
export function rowToRecord(row: SqlRow, opts: RowToRecordOptions = {}): ContainerRecord {
  const r = new RowReader("containers", row);
  const rec: ContainerRecord = {
    id: r.text("id"),
    name: r.text("name"),
    image: r.text("image"),
    // Checked here, or (configOnUse) in place on first use: see RowReader.lazyJson.
    config: opts.configOnUse
      ? undefined as unknown as ContainerConfig
      : r.json("spec", containerConfigShape),
    labels: r.json("labels", dict(text)),
    runtime: r.text("runtime"),
    stateDir: r.text("state_dir"),
    createdAt: r.integer("created_at"),
    ips: r.json("ips", list(text)),
    ports: r.json("ports", list(portMappingShape)),
  };
  const owner = r.optionalText("owner");
  if (owner !== undefined) rec.owner = owner;
  const optional = {
    startedAt: "started_at",
    finishedAt: "finished_at",
    pid: "pid",
    monitorPid: "monitor_pid",
    exitCode: "exit_code",
  } as const;
  for (const [k, col] of Object.entries(optional) as [keyof typeof optional, string][]) {
    const v = r.optionalInteger(col);
    if (v !== undefined) rec[k] = v;
  }
  const netns = r.optionalText("netns_path");
  if (netns !== undefined) rec.netnsPath = netns;
  const creator = readCreator(r);
  if (creator) rec.creator = creator;
  if (opts.configOnUse) r.lazyJson(rec, "config", "spec", containerConfigShape);
  return rec;
}

/** Options of {@linkcode rowToRecord} and {@linkcode listContainerRecords}. */
export interface RowToRecordOptions {
  /**
   * Parse and check the stored config (`spec`, the largest column) when `record.config` is
   * first used instead of now (default false). For listings that show no config: `rkl pod
   * list` reads every pod container's row and would spend most of its per-pod time on it. A
   * malformed config then throws on that first use, not while listing.
   */
  configOnUse?: boolean;
}

/**
 * Inserts a new record in a `BEGIN IMMEDIATE` transaction. A taken name throws
 * {@linkcode ConflictError} and changes nothing.
 */
export function insertContainer(db: Database, rec: ContainerRecord): void {
  db.transaction((tx) => {
    const taken = tx.get("SELECT id FROM containers WHERE name = ?", rec.name);
    if (taken) {
      throw new ConflictError(
        `Container name "${rec.name}" is already in use by container ${
          String(taken.id).slice(0, 12)
        }`,
      );
    }
    tx.run(
      `INSERT INTO containers (id, name, image, spec, labels, owner, runtime, state_dir,
        created_at, started_at, finished_at, pid, monitor_pid, exit_code, netns_path, ips, ports,
        creator_pid, creator_started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      rec.id,
      rec.name,
      rec.image,
      JSON.stringify(rec.config),
      JSON.stringify(rec.labels),
      rec.owner ?? null,
      rec.runtime,
      rec.stateDir,
      rec.createdAt,
      rec.startedAt ?? null,
      rec.finishedAt ?? null,
      rec.pid ?? null,
      rec.monitorPid ?? null,
      rec.exitCode ?? null,
      rec.netnsPath ?? null,
      JSON.stringify(rec.ips),
      JSON.stringify(rec.ports),
      ...creatorValues(rec.creator),
    );
  });
}

/** Updates observed facts of a record (only the given fields). */
export function updateContainer(db: Database, id: string, facts: ContainerFacts): void {
  const sets: string[] = [];
  const values: SqlValue[] = [];
  for (const [k, v] of Object.entries(facts) as [keyof ContainerFacts, unknown][]) {
    if (k === "creator") {
      sets.push("creator_pid = ?", "creator_started_at = ?");
      values.push(...creatorValues(v as OwnerProcess | undefined));
      continue;
    }
    sets.push(`${COLUMNS[k]} = ?`);
    values.push(
      v === undefined ? null : Array.isArray(v) ? JSON.stringify(v) : (v as SqlValue),
    );
  }
  if (sets.length === 0) return;
  db.transaction((tx) => {
    tx.run(`UPDATE containers SET ${sets.join(", ")} WHERE id = ?`, ...values, id);
  });
}

/** Deletes a record (no error when it is already gone). */
export function deleteContainerRecord(db: Database, id: string): void {
  db.transaction((tx) => {
    tx.run("DELETE FROM containers WHERE id = ?", id);
  });
}

/** Reads one record by exact id. */
export function getContainer(db: Database, id: string): ContainerRecord | undefined {
  const row = db.get("SELECT * FROM containers WHERE id = ?", id);
  return row ? rowToRecord(row) : undefined;
}

/**
 * Finds a container by exact id, exact name, or a unique id prefix (at least 3 characters).
 * Throws {@linkcode NotFoundError} or, for an ambiguous prefix, {@linkcode ConflictError}.
 */
export function findContainer(db: Database, ref: string): ContainerRecord {
  const exact = db.get("SELECT * FROM containers WHERE id = ? OR name = ?", ref, ref);
  if (exact) return rowToRecord(exact);
  if (ref.length >= 3 && /^[0-9a-f]+$/.test(ref)) {
    const rows = db.all("SELECT * FROM containers WHERE id LIKE ? LIMIT 2", `${ref}%`);
    if (rows.length === 1) return rowToRecord(rows[0]!);
    if (rows.length > 1) throw new ConflictError(`Container id prefix "${ref}" is ambiguous`);
  }
  throw new NotFoundError("container", ref);
}

/** Filter of {@linkcode listContainerRecords}. */
export interface ContainerRecordFilter {
  /** Only containers of this owner; `null` for containers without owner. */
  owner?: string | null;
  /** Only containers with all these labels. */
  labels?: Record<string, string>;
}

/** Every record matching the filter, oldest first. */
export function listContainerRecords(
  db: Database,
  filter: ContainerRecordFilter = {},
  opts: RowToRecordOptions = {},
): ContainerRecord[] {
  const rows = filter.owner === undefined
    ? db.all("SELECT * FROM containers ORDER BY created_at, name")
    : filter.owner === null
    ? db.all("SELECT * FROM containers WHERE owner IS NULL ORDER BY created_at, name")
    : db.all("SELECT * FROM containers WHERE owner = ? ORDER BY created_at, name", filter.owner);
  const recs = rows.map((row) => rowToRecord(row, opts));
  const want = Object.entries(filter.labels ?? {});
  return want.length === 0 ? recs : recs.filter((r) => want.every(([k, v]) => r.labels[k] === v));
}
