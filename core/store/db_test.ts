import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../testing.ts";
import { openDatabase, StoreError } from "./db.ts";
import { MIGRATIONS } from "./migrations.ts";

Deno.test("openDatabase() applies migrations once and uses WAL and foreign keys", async () => {
  await using dir = await tempDir("rkl-db-");
  const path = join(dir.path, "sub", "rkl.db");
  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  const db = await openDatabase(path);
  assert.equal(db.schemaVersion, latest);
  assert.equal(db.get("PRAGMA journal_mode")?.journal_mode, "wal");
  assert.equal(db.get("PRAGMA foreign_keys")?.foreign_keys, 1);
  db.close();
  const again = await openDatabase(path);
  assert.equal(
    again.get("SELECT COUNT(*) AS n FROM schema_version")?.n,
    MIGRATIONS.length,
    "reopening applies nothing twice",
  );
  again.close();
});

Deno.test("appended migrations run in order; a newer database is refused", async () => {
  await using dir = await tempDir("rkl-db-");
  const path = join(dir.path, "rkl.db");
  const extra = [
    ...MIGRATIONS,
    { version: 1000, description: "test table", up: ["CREATE TABLE t (x INTEGER)"] },
  ];
  const db = await openDatabase(path, { migrations: extra });
  assert.equal(db.schemaVersion, 1000);
  db.run("INSERT INTO t (x) VALUES (?)", 1);
  db.close();
  await assert.rejects(
    openDatabase(path),
    (e: unknown) => e instanceof StoreError && /newer than this rkl/.test(e.message),
  );
});

Deno.test("transaction() rolls back when the function throws", async () => {
  const db = await openDatabase(":memory:", {
    migrations: [{ version: 1, description: "t", up: ["CREATE TABLE t (x INTEGER)"] }],
  });
  assert.throws(() =>
    db.transaction((tx) => {
      tx.run("INSERT INTO t (x) VALUES (1)");
      throw new Error("no");
    }), /no/);
  assert.equal(db.get("SELECT COUNT(*) AS n FROM t")?.n, 0);
  db.transaction((tx) => tx.run("INSERT INTO t (x) VALUES (2)"));
  assert.equal(db.get("SELECT COUNT(*) AS n FROM t")?.n, 1);
  db.close();
});

Deno.test("user_version mirrors the schema: set by migrating, by an up-to-date database, and a mismatch takes the full path", async () => {
  await using dir = await tempDir("rkl-db-");
  const path = join(dir.path, "rkl.db");
  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  const db = await openDatabase(path);
  assert.equal(db.get("PRAGMA user_version")?.user_version, latest);
  // As an rkl from before the shortcut left it: schema current, user_version 0.
  db.exec("PRAGMA user_version = 0");
  db.close();
  const again = await openDatabase(path);
  assert.equal(again.get("PRAGMA user_version")?.user_version, latest);
  assert.equal(again.schemaVersion, latest);
  // A user_version that is not the latest (a newer rkl's) never skips the version check.
  again.transaction((tx) =>
    tx.run(
      "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
      latest + 1,
      "from a newer rkl",
      Date.now(),
    )
  );
  again.exec(`PRAGMA user_version = ${latest + 1}`);
  again.close();
  await assert.rejects(
    openDatabase(path),
    (e: unknown) => e instanceof StoreError && /newer than this rkl/.test(e.message),
  );
});
