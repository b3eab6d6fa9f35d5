/**
 * `rkl gc`: stops the sandboxes of terminal pods (phase Succeeded or Failed) and releases network attachments (IP allocations, veths, namespaces, CNI cache
 * entries) that belong to no live container or pod, so a `kill -9` or a reboot never leaks
 * addresses.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { engineFor } from "./engine.ts";
import type { NetworkGcReport } from "../core/network.ts";
import { collectNetworkGarbage } from "../core/network_gc.ts";
import { releaseTerminalPods } from "../core/pod/pod_terminal.ts";
import { collectOrphans } from "../core/orphan_gc.ts";
import { collectInterrupted } from "../core/interrupted_gc.ts";

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
      "stop finished pods; release IPs, veths, network namespaces and CNI cache entries of " +
        "dead containers and pods; kill monitor and runtime processes, delete runtime " +
        "containers and state dirs that belong to no container or pod",
    )
    .action(async () => {
      const engine = await engineFor(io, globals());
      try {
        // Terminal pods first: their sandboxes stop and their IPs and host ports are released.
        for (const p of await releaseTerminalPods(engine)) {
          io.stdout(
            `Stopped pod ${p.namespace}/${p.name} (${p.phase}: ${p.reason})` +
              (p.ips.length > 0 ? `, released ${p.ips.join(", ")}` : "") + "\n",
          );
        }
        // Creations whose process died (kill -9 of run or create): removed as their rollback
        // would have removed them. A failure here is reported after the rest of gc ran.
        let failure: unknown;
        const interrupted = await collectInterrupted(engine).catch((e) => {
          failure = e;
          return { details: [] };
        });
        // Processes, runtime containers and state dirs that belong to no record, then the
        // network of whatever is no longer live.
        const orphans = await collectOrphans(engine);
        const net = await collectNetworkGarbage(engine);
        io.stdout(
          formatGcReport({
            ...net,
            details: [...interrupted.details, ...orphans.details, ...net.details],
          }),
        );
        if (failure !== undefined) throw failure;
      } finally {
        engine.close();
      }
    });
}
