/**
 * Node events (table `events`, migration 3): one row per thing the daemon did or noticed —
 * pod created, container restarted, back-off, probe failure, OOM kill, manifest error — shaped
 * like Kubernetes `v1 Event`s (`type` Normal/Warning, `reason`, involved object, message).
 * `rkl events` reads them, also from another process.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import type { Database, SqlRow } from "../store/db.ts";

/** Severity, as in Kubernetes events. */
export type EventType = "Normal" | "Warning";

/** One event as stored. */
export interface NodeEvent {
  /** Increasing id (for `rkl events -w`). */
  id: number;
  /** When, ms since the epoch. */
  at: number;
  /** `Normal` or `Warning`. */
  type: EventType;
  /** CamelCase reason (`Created`, `Started`, `BackOff`, `Unhealthy`, `OOMKilled`, `FailedParse`, ...). */
  reason: string;
  /** The pod (`namespace/name`), manifest file or `node` the event is about. */
  object: string;
  /** The container in the pod, if any. */
  container?: string;
  /** Human-readable detail. */
  message: string;
}

/** An event to record (id and time are filled in). */
export type NewEvent = Omit<NodeEvent, "id" | "at"> & { at?: number };

function parseEvent(row: SqlRow): NodeEvent {
  const { id, at, type, reason, object, container, message } = row;
  if (
    typeof id !== "number" || typeof at !== "number" || (type !== "Normal" && type !== "Warning") ||
    typeof reason !== "string" || typeof object !== "string" || typeof message !== "string"
  ) {
    throw new RkError(`Stored event ${String(id)} is malformed`);
  }
  const ev: NodeEvent = { id, at, type, reason, object, message };
  if (typeof container === "string") ev.container = container;
  return ev;
}

/**
 * Records an event and returns it with its id.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../store/db.ts";
 * import { listEvents, recordEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const db = await openDatabase(":memory:");
 * recordEvent(db, { type: "Normal", reason: "Started", object: "default/web", message: "ok" });
 * assert.equal(listEvents(db)[0]!.reason, "Started");
 * db.close();
 * ```
 */
export function recordEvent(db: Database, ev: NewEvent): NodeEvent {
  const at = ev.at ?? Date.now();
  db.run(
    "INSERT INTO events (at, type, reason, object, container, message) VALUES (?, ?, ?, ?, ?, ?)",
    at,
    ev.type,
    ev.reason,
    ev.object,
    ev.container ?? null,
    ev.message,
  );
  const row = db.get("SELECT last_insert_rowid() AS id");
  const out: NodeEvent = {
    id: Number(row?.id ?? 0),
    at,
    type: ev.type,
    reason: ev.reason,
    object: ev.object,
    message: ev.message,
  };
  if (ev.container !== undefined) out.container = ev.container;
  return out;
}

/** Filter of {@linkcode listEvents}. */
export interface EventFilter {
  /** Only events with a larger id (follow mode). */
  afterId?: number;
  /** Only events about this object (`namespace/name` or file). */
  object?: string;
  /** Only the newest `limit` events. */
  limit?: number;
}

/**
 * Events, oldest first.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../store/db.ts";
 * import { listEvents, recordEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const db = await openDatabase(":memory:");
 * const a = recordEvent(db, { type: "Normal", reason: "A", object: "x", message: "" });
 * recordEvent(db, { type: "Warning", reason: "B", object: "y", message: "" });
 * assert.deepEqual(listEvents(db, { afterId: a.id }).map((e) => e.reason), ["B"]);
 * db.close();
 * ```
 */
export function listEvents(db: Database, filter: EventFilter = {}): NodeEvent[] {
  const where: string[] = ["id > ?"];
  const params: (string | number)[] = [filter.afterId ?? 0];
  if (filter.object !== undefined) {
    where.push("object = ?");
    params.push(filter.object);
  }
  const limit = filter.limit ?? -1;
  const rows = db.all(
    `SELECT * FROM (SELECT * FROM events WHERE ${
      where.join(" AND ")
    } ORDER BY id DESC LIMIT ?) ORDER BY id`,
    ...params,
    limit,
  );
  return rows.map(parseEvent);
}

/**
 * One line of `rkl events` / the daemon's text log: time, type, reason, object, message.
 *
 * @example
 * ```ts
 * import { formatEvent } from "./events.ts";
 * import assert from "node:assert/strict";
 * const line = formatEvent({ id: 1, at: 0, type: "Warning", reason: "BackOff", object: "default/web", container: "app", message: "waiting" });
 * assert.equal(line, "1970-01-01T00:00:00.000Z Warning BackOff default/web app: waiting");
 * ```
 */
export function formatEvent(ev: NodeEvent): string {
  const what = ev.container ? `${ev.object} ${ev.container}` : ev.object;
  return `${new Date(ev.at).toISOString()} ${ev.type} ${ev.reason} ${what}: ${ev.message}`;
}
