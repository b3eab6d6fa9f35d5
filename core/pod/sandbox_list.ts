/**
 * CRI ListPodSandbox: sandboxes with their state, from the records and one runtime `list`
 * call for every pause container.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { listContainers as engineListContainers } from "../container/list.ts";
import type { PodSandbox, PodSandboxFilter } from "./cri_types.ts";
import { listSandboxRecords } from "./pod_store.ts";
import { LABEL_SANDBOX_ROLE } from "./sandbox.ts";
import { sandboxState } from "./sandbox_status.ts";

/** Lists sandboxes with their state (one runtime `list` call for every pause container). */
export async function listPodSandbox(
  engine: Engine,
  filter: PodSandboxFilter = {},
): Promise<PodSandbox[]> {
  const recs = listSandboxRecords(engine.db).filter((r) =>
    (filter.id === undefined || r.id.startsWith(filter.id)) &&
    Object.entries(filter.labelSelector ?? {}).every(([k, v]) => r.config.labels[k] === v)
  );
  if (recs.length === 0) return [];
  const pauses = new Map(
    (await engineListContainers(engine, { labels: { [LABEL_SANDBOX_ROLE]: "pause" } })).map((
      v,
    ) => [v.record.id, v]),
  );
  const out: PodSandbox[] = [];
  for (const r of recs) {
    const state = sandboxState(r, r.pauseContainerId ? pauses.get(r.pauseContainerId) : undefined);
    if (filter.state !== undefined && filter.state !== state) continue;
    out.push({
      id: r.id,
      metadata: r.config.metadata,
      state,
      createdAt: r.createdAt,
      labels: r.config.labels,
    });
  }
  return out;
}
