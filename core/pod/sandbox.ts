/**
 * What every pod sandbox operation shares: the options and test hooks, the sandbox id, the
 * pause container's name and label, the pod's state dir, and the lookup by exact id. The CRI
 * operations themselves live one per file: `sandbox_run.ts`, `sandbox_stop.ts`,
 * `sandbox_remove.ts`, `sandbox_status.ts`, `sandbox_list.ts`.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../container/mod.ts";
import { NotFoundError } from "../errors.ts";
import type { PodManifest } from "./pod_manifest.ts";
import { getSandboxRecord, type SandboxRecord } from "./pod_store.ts";

/** Steps of a pod operation where a test can inject a failure. */
export type PodStep =
  | "after-record"
  | "after-volumes"
  | "after-network"
  | "after-pause"
  | "after-cgroup"
  | "after-init"
  | "after-container";

/** Test hook: throw from it to make a pod operation fail at that step. */
export type PodFaultHook = (step: PodStep, id: string) => void | Promise<void>;

/** Options of the sandbox operations. */
export interface SandboxOptions {
  /** The manifest the pod came from (kept in the record for `rkl pod`). */
  manifest?: PodManifest;
  /** Failure injection for tests. */
  faults?: PodFaultHook;
  /** cgroup root under which pod cgroups are created (default `/rkl`). */
  cgroupRoot?: string;
}

/** Label set on the pause container. */
export const LABEL_SANDBOX_ROLE = "io.rk8s.sandbox.role";

/** A new random sandbox id (32 hex digits, like container ids). */
export function newSandboxId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Name of a pod's pause container (cannot collide with `ns_pod_container` names). */
export function pauseContainerName(sandboxId: string): string {
  return `pause_${sandboxId}`;
}

/** The pod's state dir. */
export function podStateDir(engine: Engine, id: string): string {
  return join(engine.paths.dataDir, "pods", id);
}

/**
 * True when the sandbox's network was attached through the engine's network provider (a
 * namespace rkl created), so stopping or removing it must detach it. False for host network
 * and for a loopback-only namespace owned by the pause process (`/proc/PID/ns/net`).
 *
 * @example
 * ```ts
 * import { attachedNetwork } from "./sandbox.ts";
 * import assert from "node:assert/strict";
 * assert.ok(attachedNetwork({ netnsPath: "/run/rkl/netns/abc" }));
 * assert.ok(!attachedNetwork({ netnsPath: "/proc/42/ns/net" }));
 * assert.ok(!attachedNetwork({ netnsPath: "" }));
 * ```
 */
export function attachedNetwork(rec: Pick<SandboxRecord, "netnsPath">): boolean {
  return rec.netnsPath !== "" && !rec.netnsPath.startsWith("/proc/");
}

/** The sandbox record with this exact id, or a {@linkcode NotFoundError}. */
export function sandboxById(engine: Engine, id: string): SandboxRecord {
  const rec = getSandboxRecord(engine.db, id);
  if (!rec) throw new NotFoundError("pod sandbox", id);
  return rec;
}
