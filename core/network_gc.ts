/**
 * Network garbage collection for one node: releases the network attachments (IP allocations,
 * veths, namespaces, CNI cache entries) of containers and pod sandboxes that are no longer live,
 * and forgets the released addresses in their records. Used by `rkl gc`; a daemon calls the same
 * function at start.
 *
 * Decide, then act: {@linkcode liveSandboxIds} (pure) says which sandboxes keep their network;
 * the provider's `gc` plans what else to release (`net/network_gc_plan.ts`, pure) and applies
 * it; {@linkcode collectNetworkGarbage} ties them together and updates the records.
 *
 * @module
 */
import { listContainers } from "./container/list.ts";
import type { Engine } from "./container/engine.ts";
import type { ContainerStatus } from "./container/status.ts";
import { RkError } from "./errors.ts";
import type { NetworkGcReport } from "./network.ts";
import type { SandboxState } from "./pod/pod_status.ts";
import { getSandboxRecord, updateSandbox } from "./pod/pod_store.ts";
import { listPodSandbox } from "./pod/sandbox_list.ts";
import { getContainer, updateContainer } from "./store/containers.ts";

/**
 * The ids whose network must be kept: containers not known to be stopped, and pod sandboxes
 * not known to be down. `unknown` counts as live (never release what may still be used).
 *
 * @example
 * ```ts
 * import { liveSandboxIds } from "./network_gc.ts";
 * import assert from "node:assert/strict";
 * const live = liveSandboxIds(
 *   [{ id: "c1", status: "running" }, { id: "c2", status: "stopped" }, { id: "c3", status: "unknown" }],
 *   [{ id: "p1", state: "ready" }, { id: "p2", state: "notready" }],
 * );
 * assert.deepEqual([...live].sort(), ["c1", "c3", "p1"]);
 * ```
 */
export function liveSandboxIds(
  containers: readonly { id: string; status: ContainerStatus }[],
  sandboxes: readonly { id: string; state: SandboxState }[],
): Set<string> {
  const live = new Set<string>();
  for (const c of containers) if (c.status !== "stopped") live.add(c.id);
  for (const s of sandboxes) if (s.state !== "notready") live.add(s.id);
  return live;
}

/**
 * Releases every attachment of `engine.network` whose container or pod sandbox is not live,
 * then clears the released addresses from the records that are kept (a stopped container's
 * `state` no longer shows an IP it does not hold).
 *
 * @example
 * ```ts ignore
 * import { collectNetworkGarbage } from "./network_gc.ts";
 * const report = await collectNetworkGarbage(engine);
 * console.log(report.details.join("\n"));
 * ```
 */
export async function collectNetworkGarbage(engine: Engine): Promise<NetworkGcReport> {
  if (!engine.network) throw new RkError("No network provider is configured");
  const containers = await listContainers(engine, {});
  const sandboxes = await listPodSandbox(engine);
  const live = liveSandboxIds(
    containers.map((v) => ({ id: v.record.id, status: v.status })),
    sandboxes,
  );
  const report = await engine.network.gc(live);
  for (const id of report.released) {
    if (getContainer(engine.db, id)) {
      updateContainer(engine.db, id, { ips: [], netnsPath: undefined });
    } else if (getSandboxRecord(engine.db, id)) {
      updateSandbox(engine.db, id, { ips: [] });
    }
  }
  return report;
}
