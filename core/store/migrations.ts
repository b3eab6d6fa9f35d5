/**
 * Forward-only schema migrations. APPEND new migrations at the end with the next version
 * number; never edit one that has shipped. Each runs once, in its own transaction.
 *
 * @module
 */

/** One schema change. */
export interface Migration {
  /** Version reached after applying it (1, 2, 3, ...). */
  version: number;
  /** What it does. */
  description: string;
  /** SQL statements, run in order. */
  up: readonly string[];
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "containers",
    up: [
      `CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        image TEXT NOT NULL,
        spec TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        owner TEXT,
        runtime TEXT NOT NULL,
        state_dir TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        pid INTEGER,
        monitor_pid INTEGER,
        exit_code INTEGER,
        netns_path TEXT,
        ips TEXT NOT NULL DEFAULT '[]',
        ports TEXT NOT NULL DEFAULT '[]'
      )`,
      "CREATE INDEX containers_owner ON containers(owner)",
    ],
  },
  {
    version: 2,
    description: "pod sandboxes (core/pod/pod_store.ts)",
    up: [
      `CREATE TABLE pod_sandboxes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        namespace TEXT NOT NULL,
        uid TEXT NOT NULL,
        config TEXT NOT NULL,
        manifest TEXT,
        pause_container TEXT,
        state_dir TEXT NOT NULL,
        cgroup_parent TEXT NOT NULL,
        netns_path TEXT NOT NULL DEFAULT '',
        ips TEXT NOT NULL DEFAULT '[]',
        hosts_file TEXT,
        resolv_conf_file TEXT,
        stopped INTEGER NOT NULL DEFAULT 0,
        failure TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (namespace, name)
      )`,
    ],
  },
  {
    version: 3,
    description: "who is creating a container or pod sandbox (pid and start time; NULL once " +
      "created), so a creation whose process died is recognised at once (core/owner_process.ts)",
    up: [
      "ALTER TABLE containers ADD COLUMN creator_pid INTEGER",
      "ALTER TABLE containers ADD COLUMN creator_started_at INTEGER",
      "ALTER TABLE pod_sandboxes ADD COLUMN creator_pid INTEGER",
      "ALTER TABLE pod_sandboxes ADD COLUMN creator_started_at INTEGER",
    ],
  },
  {
    version: 4,
    description: "daemon: events, container terminations, probe results (core/daemon)",
    up: [
      `CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        reason TEXT NOT NULL,
        object TEXT NOT NULL,
        container TEXT,
        message TEXT NOT NULL
      )`,
      "CREATE INDEX events_at ON events(at)",
      `CREATE TABLE container_terminations (
        container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
        reason TEXT NOT NULL,
        signal INTEGER,
        message TEXT NOT NULL DEFAULT '',
        observed_at INTEGER NOT NULL
      )`,
      `CREATE TABLE probe_results (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        probe TEXT NOT NULL,
        healthy INTEGER NOT NULL,
        successes INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        output TEXT NOT NULL DEFAULT '',
        at INTEGER NOT NULL,
        PRIMARY KEY (container_id, probe)
      )`,
    ],
  },
];
