/**
 * What every pod sandbox operation shares: the options and test hooks, the sandbox id, the
 * pause container's name and label, the pod's state dir, and the lookup by exact id. The CRI
 * operations themselves live one per file: `sandbox_run.ts`, `sandbox_stop.ts`,
 * `sandbox_remove.ts`, `sandbox_status.ts`, `sandbox_list.ts`.
 *
 * @module
 */
import { join } from "../path.ts";
import type { Engine } from "../container/engine.ts";
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
 * True when the sandbox's network may have been attached through the engine's network provider
 * (a namespace rkl created), so stopping or removing it must detach it (detach is idempotent).
 * That is every sandbox without host network whose namespace is not the pause process's own
 * loopback-only one (`/proc/PID/ns/net`) — also one whose record names no namespace yet: a
 * `pod run` killed during CNI ADD leaves an attachment its record does not know.
 *
 * @example
 * ```ts
 * import { mayHaveAttachment } from "./sandbox.ts";
 * import assert from "node:assert/strict";
 * const pod = { linux: { namespaceOptions: { network: "pod" as const } } };
 * const host = { linux: { namespaceOptions: { network: "node" as const } } };
 * assert.ok(mayHaveAttachment({ netnsPath: "/run/rkl/netns/abc", config: pod }));
 * assert.ok(mayHaveAttachment({ netnsPath: "", config: pod })); // interrupted during CNI ADD
 * assert.ok(!mayHaveAttachment({ netnsPath: "/proc/42/ns/net", config: pod }));
 * assert.ok(!mayHaveAttachment({ netnsPath: "", config: host }));
 * ```
 */
export function mayHaveAttachment(
  rec: Pick<SandboxRecord, "netnsPath"> & {
    config: { linux: { namespaceOptions: { network?: string } } };
  },
): boolean {
  return rec.config.linux.namespaceOptions.network !== "node" &&
    !rec.netnsPath.startsWith("/proc/");
}

/**
 * True for a sandbox created without a pause container (CRI-O's `drop_infra_ctr`, its default):
 * its IPC and UTS namespaces are pinned files (`./pod_namespaces.ts`) and its network namespace
 * is the provider's (or the host's), so no process has to hold them. Its record says so from
 * the start: `pauseContainerId` is `""` (no pause container), where a sandbox with one has its
 * id, or nothing yet while it is being created.
 *
 * @example
 * ```ts
 * import { isPauseless } from "./sandbox.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isPauseless({ pauseContainerId: "" }));
 * assert.ok(!isPauseless({ pauseContainerId: "c1" }));
 * assert.ok(!isPauseless({})); // a pause container still to be created
 * ```
 */
export function isPauseless(rec: Pick<SandboxRecord, "pauseContainerId">): boolean {
  return rec.pauseContainerId === "";
}

/**
 * Why a sandbox needs a pause container, or `undefined` when it needs none: a process must
 * hold a shared PID namespace (`shareProcessNamespace`) or the loopback-only network namespace
 * of a pod without a network provider; pod-level limits go on the pod cgroup the pause
 * container's runtime creates before any app container joins it; and a pod that names its own
 * pause bundle (the original project's `labels.bundle`) gets it.
 *
 * @example
 * ```ts
 * import { pauseNeed } from "./sandbox.ts";
 * import assert from "node:assert/strict";
 * const ns = { network: "pod", pid: "container", ipc: "pod" } as const;
 * assert.equal(pauseNeed({ namespaces: ns, provider: true, podLimits: false }), undefined);
 * assert.match(
 *   pauseNeed({ namespaces: { ...ns, pid: "pod" }, provider: true, podLimits: false })!,
 *   /PID namespace/,
 * );
 * assert.match(pauseNeed({ namespaces: ns, provider: false, podLimits: false })!, /network/);
 * ```
 */
export function pauseNeed(o: {
  namespaces: { network?: string; pid?: string };
  provider: boolean;
  podLimits: boolean;
  pauseBundle?: string | undefined;
}): string | undefined {
  if (o.namespaces.pid === "pod") return "the pod shares one PID namespace";
  if (o.namespaces.network !== "node" && !o.provider) {
    return "no network provider: the pause process holds a loopback-only network namespace";
  }
  if (o.podLimits) return "pod-level limits are set on the pod cgroup before containers join it";
  if (o.pauseBundle !== undefined) return "the pod names its pause bundle";
  return undefined;
}

/** The sandbox record with this exact id, or a {@linkcode NotFoundError}. */
export function sandboxById(engine: Engine, id: string): SandboxRecord {
  const rec = getSandboxRecord(engine.db, id);
  if (!rec) throw new NotFoundError("pod sandbox", id);
  return rec;
}
