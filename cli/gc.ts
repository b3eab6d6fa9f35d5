/**
 * `rkl gc`: releases network attachments (IP allocations, veths, namespaces, CNI cache
 * entries) that belong to no live container or pod, so a `kill -9` or a reboot never leaks
 * addresses.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { engineFor } from "./engine.ts";
import { RkError } from "../core/errors.ts";
import type { NetworkGcReport } from "../core/network.ts";
import { listContainers } from "../core/container/list.ts";
import type { ContainerStatus } from "../core/container/status.ts";
import { listPodSandbox } from "../core/pod/sandbox.ts";
import type { SandboxState } from "../core/pod/pod_status.ts";

/**
 * The ids whose network must be kept: containers not known to be stopped, and pod sandboxes
 * not known to be down. `unknown` counts as live (never release what may still be used).
 *
 * @example
 * ```ts
 * import { liveSandboxIds } from "./gc.ts";
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
 * Formats a gc report.
 *
 * @example
 * ```ts
 * import { formatGcReport } from "./gc.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatGcReport({ released: [], details: [] }), "Nothing to collect\n");
 * assert.match(formatGcReport({ released: ["a"], details: ["freed 10.0.0.2"] }), /^freed 10\.0\.0\.2\nReleased 1 attachment\n$/);
 * ```
 */
export function formatGcReport(report: NetworkGcReport): string {
  if (report.released.length === 0 && report.details.length === 0) return "Nothing to collect\n";
  const n = report.released.length;
  return report.details.map((d) => `${d}\n`).join("") +
    `Released ${n} attachment${n === 1 ? "" : "s"}\n`;
}

/**
 * Builds the `gc` command.
 *
 * @example
 * ```ts
 * import { gcCommand } from "./gc.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * assert.equal(gcCommand(io, () => ({ root: undefined, runtime: undefined })).name(), "gc");
 * ```
 */
export function gcCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  return new Command("gc")
    .description(
      "release IPs, veths, network namespaces and CNI cache entries of dead containers and pods",
    )
    .action(async () => {
      const engine = await engineFor(io, globals());
      try {
        if (!engine.network) throw new RkError("No network provider is configured");
        const containers = await listContainers(engine, {});
        const sandboxes = await listPodSandbox(engine);
        const live = liveSandboxIds(
          containers.map((v) => ({ id: v.record.id, status: v.status })),
          sandboxes,
        );
        io.stdout(formatGcReport(await engine.network.gc(live)));
      } finally {
        engine.close();
      }
    });
}
