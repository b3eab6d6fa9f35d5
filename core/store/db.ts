/**
 * The SQLite database (built-in `node:sqlite`; this is the only module that imports it):
 * WAL, foreign keys, a busy timeout, `BEGIN IMMEDIATE` transactions and forward migrations.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "../path.ts";
import { RkError } from "../errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";

/** A value SQLite accepts as a parameter. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** A row as returned by a query: column → value. */
export type SqlRow = Record<string, unknown>;

/** Storage errors (schema too new, constraint violations surfaced as such). */
export class StoreError extends RkError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}

/**
 * Turns an error thrown by `node:sqlite` into a {@linkcode StoreError} naming the database
 * file; other errors (and StoreErrors) are returned unchanged.
 */
function sqliteError(error: unknown, path: string): unknown {
  if (error instanceof RkError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_SQLITE_ERROR") return error;
  if (/constraint/i.test(error.message)) return error;
  return new StoreError(`Database ${path}: ${error.message}`, { cause: error });
}

/** Options of {@linkcode openDatabase}. */
export interface OpenOptions {
  /** How long a writer waits for another process's lock, ms (default 10 s). */
  busyTimeoutMs?: number;
  /** Migrations to apply (default {@linkcode MIGRATIONS}). */
  migrations?: readonly Migration[];
}

/**
 * An open database. Queries are synchronous; {@linkcode Database.transaction} runs a function
 * inside `BEGIN IMMEDIATE` so concurrent rkl processes serialize their writes.
 */
export class Database {
  readonly #db: DatabaseSync;
  /** The database file. */
  readonly path: string;

  /** Wraps an open handle; use {@linkcode openDatabase}. */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  /** Runs a statement; returns the number of changed rows. */
  run(sql: string, ...params: SqlValue[]): number {
    return this.#wrap(() => Number(this.#db.prepare(sql).run(...params).changes));
  }

  /** First row of a query, or undefined. */
  get(sql: string, ...params: SqlValue[]): SqlRow | undefined {
    return this.#wrap(() => this.#db.prepare(sql).get(...params) as SqlRow | undefined);
  }

  /** Every row of a query. */
  all(sql: string, ...params: SqlValue[]): SqlRow[] {
    return this.#wrap(() => this.#db.prepare(sql).all(...params) as SqlRow[]);
  }

  /** Executes SQL text with several statements and no parameters. */
  exec(sql: string): void {
    this.#wrap(() => this.#db.exec(sql));
  }

  /**
   * SQLite's own failures (read-only file, full disk, I/O error) become a {@linkcode StoreError}
   * naming the database file; constraint violations keep their message for callers that test it.
   */
  #wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw sqliteError(error, this.path);
    }
  }

  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, waiting
   * up to the busy timeout). Commits when `fn` returns, rolls back when it throws. `fn` is
   * synchronous on purpose: no lock is ever held across an `await`.
   */
  transaction<T>(fn: (db: Database) => T): T {
    this.exec("BEGIN IMMEDIATE");
    try {
      const value = fn(this);
      this.exec("COMMIT");
      return value;
    } catch (error) {
      // After a failed COMMIT (disk full) SQLite may already have rolled back.
      if (this.#db.isTransaction) this.exec("ROLLBACK");
      throw error;
    }
  }

  /** The schema version (highest applied migration). */
  get schemaVersion(): number {
    const row = this.get("SELECT MAX(version) AS v FROM schema_version");
    return typeof row?.v === "number" ? row.v : 0;
  }

  /** Closes the handle. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/**
 * Opens (creating when needed) the database at `path` and applies pending migrations.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./db.ts";
 * import assert from "node:assert/strict";
 * const db = await openDatabase(":memory:");
 * assert.ok(db.schemaVersion >= 1);
 * db.close();
 * ```
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Promise<Database> {
  try {
    return Promise.resolve(openDatabaseNow(path, opts));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** {@linkcode openDatabase}'s work: synchronous, as `node:sqlite` is. */
function openDatabaseNow(path: string, opts: OpenOptions): Database {
  // Synchronous: the directory exists after the first command, and an existing directory is one
  // quick system call, not a trip through Deno's blocking thread pool (≈ 0.5 ms per process).
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path);
  } catch (error) {
    throw sqliteError(error, path);
  }
  const db = new Database(raw, path);
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 10_000)}`);
    if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = NORMAL");
    migrate(db, opts.migrations ?? MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Applies every migration newer than the stored version, each in its own `BEGIN IMMEDIATE`
 * transaction (re-checking the version inside it, so concurrent openers apply it once).
 * A database newer than this program is refused.
 *
 * Every command opens the database, so the usual case — nothing to apply — is one read of the
 * header's `user_version` (which mirrors the highest applied migration once a migration ran or
 * the schema was found current): no statement on `schema_version`. `schema_version` stays the
 * record of what was applied; `user_version` is only the shortcut, and any other value than
 * the latest version takes the full path (it rewrites `user_version` at the end).
 */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (db.get("PRAGMA user_version")?.user_version === latest) return;
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  if (db.schemaVersion === latest) {
    db.exec(`PRAGMA user_version = ${Math.trunc(latest)}`);
    return;
  }
  if (db.schemaVersion > latest) {
    throw new StoreError(
      `Database ${db.path} has schema version ${db.schemaVersion}, newer than this rkl (${latest}); upgrade rkl`,
    );
  }
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    db.transaction((tx) => {
      if (tx.schemaVersion >= m.version) return;
      for (const sql of m.up) tx.exec(sql);
      tx.run(
        "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
        m.version,
        m.description,
        Date.now(),
      );
    });
  }
  db.exec(`PRAGMA user_version = ${Math.trunc(latest)}`);
}
