/**
 * What a Compose project owns on this host, read back from the store so that `down`, `ps` and a
 * second `up` work from a fresh process: its pods (by the `io.rk8s.compose.project` label), and a
 * small state file listing the networks and volumes it created (written before they are created,
 * so a crash half way through `up` leaves nothing `down` cannot find).
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Engine } from "../container/engine.ts";
import { run } from "../exec.ts";
import { listSandboxRecords, type SandboxRecord } from "../pod/pod_store.ts";
import { LABEL_PROJECT, LABEL_REPLICA, LABEL_SERVICE } from "./translate.ts";

/** Networks that `up` creates through net/ (implemented by the CLI with the CNI provider). */
export interface ComposeNetworkOps {
  /** True when the network exists. */
  exists(name: string): Promise<boolean>;
  /** The existing network's settings compose compares with the file; undefined when missing. */
  inspect(name: string): Promise<ComposeNetworkSettings | undefined>;
  /** Creates a bridge network (its own bridge and subnet). */
  create(req: { name: string; subnet?: string; internal?: boolean }): Promise<void>;
  /** Removes a network; a missing one is not an error. */
  remove(name: string): Promise<void>;
  /** The sandbox's address on each network it is attached to (network name → IP). */
  addresses(sandboxId: string): Promise<Record<string, string>>;
}

/** What an existing network is, as far as a compose file can ask for it. */
export interface ComposeNetworkSettings {
  /** Its subnet (CIDR). */
  subnet?: string;
  /** No gateway, no masquerade, no default route (`internal: true`). */
  internal: boolean;
}

/**
 * True when an existing network no longer matches the compose file's definition, so `up` must
 * recreate it (docker compose compares a config hash label on the network and recreates a
 * diverged one, with the containers attached to it). A subnet the file does not fix is whatever
 * was picked: not a change.
 *
 * @example
 * ```ts
 * import { networkDiverged } from "./project_state.ts";
 * import assert from "node:assert/strict";
 * const actual = { subnet: "10.9.0.0/24", internal: false };
 * assert.equal(networkDiverged({ internal: false }, actual), false);
 * assert.equal(networkDiverged({ internal: true }, actual), true);
 * assert.equal(networkDiverged({ internal: false, subnet: "10.9.1.0/24" }, actual), true);
 * assert.equal(networkDiverged({ internal: false, subnet: "10.9.0.0/24" }, actual), false);
 * ```
 */
export function networkDiverged(
  wanted: { subnet?: string; internal?: boolean },
  actual: ComposeNetworkSettings,
): boolean {
  if (wanted.subnet !== undefined && wanted.subnet !== actual.subnet) return true;
  return (wanted.internal ?? false) !== actual.internal;
}

/** The state file of a project. */
export interface ProjectState {
  /** Project name. */
  name: string;
  /** Project directory. */
  workingDir: string;
  /** Compose files. */
  files: string[];
  /** CNI networks `up` created (or was about to create). */
  networks: string[];
  /** Named volumes (host directory names) `up` created. */
  volumes: string[];
}

/** Where compose keeps its host-side data (under rkl's data dir). */
export interface ComposeDirs {
  /** Named volumes: `DIR/NAME`. */
  volumesDir: string;
  /** Per-project state files and generated config/secret files. */
  projectsDir: string;
}

/**
 * Compose's directories under rkl's data dir.
 *
 * @example
 * ```ts
 * import { composeDirs } from "./project_state.ts";
 * import assert from "node:assert/strict";
 * assert.equal(composeDirs("/var/lib/rkl").volumesDir, "/var/lib/rkl/compose/volumes");
 * ```
 */
export function composeDirs(dataDir: string): ComposeDirs {
  return {
    volumesDir: join(dataDir, "compose", "volumes"),
    projectsDir: join(dataDir, "compose", "projects"),
  };
}

/** The directory of a project's state file and generated files. */
export function projectDir(dirs: ComposeDirs, project: string): string {
  return join(dirs.projectsDir, project);
}

/** Reads a project's state file; undefined when there is none. */
export async function readProjectState(
  dirs: ComposeDirs,
  project: string,
): Promise<ProjectState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(projectDir(dirs, project), "state.json"));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const v: unknown = JSON.parse(text);
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const strings = (x: unknown) =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : [];
  return {
    name: typeof o.name === "string" ? o.name : project,
    workingDir: typeof o.workingDir === "string" ? o.workingDir : "",
    files: strings(o.files),
    networks: strings(o.networks),
    volumes: strings(o.volumes),
  };
}

/** Writes a project's state file atomically (temp file + rename). */
export async function writeProjectState(dirs: ComposeDirs, state: ProjectState): Promise<void> {
  const file = join(projectDir(dirs, state.name), "state.json");
  await Deno.mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await Deno.rename(tmp, file);
}

/** Names of every project with a state file or a pod. */
export async function listProjects(engine: Engine, dirs: ComposeDirs): Promise<string[]> {
  const names = new Set<string>();
  for (const r of listSandboxRecords(engine.db)) {
    const p = r.config.labels[LABEL_PROJECT];
    if (p !== undefined) names.add(p);
  }
  try {
    for await (const e of Deno.readDir(dirs.projectsDir)) if (e.isDirectory) names.add(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return [...names].sort();
}

/** A pod of a project with its compose identity. */
export interface ProjectPod {
  /** The sandbox record. */
  record: SandboxRecord;
  /** Service name. */
  service: string;
  /** Replica number (0 for one-off `run` pods). */
  replica: number;
}

/**
 * The project's pods from the store, ordered by service and replica.
 *
 * @example
 * ```ts ignore
 * import { projectPods } from "./project_state.ts";
 * for (const p of projectPods(engine, "app")) console.log(p.service, p.replica, p.record.name);
 * ```
 */
export function projectPods(engine: Engine, project: string): ProjectPod[] {
  return listSandboxRecords(engine.db)
    .filter((r) => r.config.labels[LABEL_PROJECT] === project)
    .map((record) => ({
      record,
      service: record.config.labels[LABEL_SERVICE] ?? "",
      replica: Number(record.config.labels[LABEL_REPLICA] ?? "0") || 0,
    }))
    .sort((a, b) => a.service < b.service ? -1 : a.service > b.service ? 1 : a.replica - b.replica);
}

/**
 * Creates a directory the way docker compose creates missing bind sources. rkl's permission set
 * may not allow writing outside its own directories, so the `mkdir` program is used when Deno may
 * not write there (an argv, no shell).
 */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      await run(["mkdir", "-p", "--", path]);
      return;
    }
    throw e;
  }
}
