/**
 * `rkl events [-w]`: the events the node daemon recorded in the store (oldest first), optionally
 * following new ones until interrupted.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { withEngine } from "./engine.ts";
import { UsageError } from "../core/errors.ts";
import { formatEvent, listEvents } from "../core/daemon/events.ts";

/**
 * Builds the `events` command: the daemon's events, oldest first; `-w` follows new ones.
 *
 * @example
 * ```ts
 * import { eventsCommand } from "./events.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * assert.equal(eventsCommand(io, () => ({ root: undefined, runtime: undefined })).name(), "events");
 * ```
 */
export function eventsCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  return new Command("events")
    .description("show the events the daemon recorded (-w: keep following)")
    .option("-w, --watch", "keep printing new events until interrupted")
    .option("--for <object>", "only events about this pod (namespace/name) or file")
    .option("-o, --output <format>", "text (default) or json (one object per line)")
    .action(async (opts) => {
      const json = opts.output === "json";
      if (opts.output !== undefined && opts.output !== "json" && opts.output !== "text") {
        throw new UsageError(`--output: expected text or json, got "${opts.output}"`);
      }
      await withEngine(io, globals, async (e) => {
        let last = 0;
        const print = () => {
          const evs = listEvents(e.db, {
            afterId: last,
            ...(opts.for ? { object: opts.for } : {}),
          });
          for (const ev of evs) {
            io.stdout(json ? `${JSON.stringify(ev)}\n` : `${formatEvent(ev)}\n`);
            last = ev.id;
          }
        };
        print();
        if (!opts.watch) return;
        let stop = false;
        const onSignal = () => void (stop = true);
        Deno.addSignalListener("SIGINT", onSignal);
        Deno.addSignalListener("SIGTERM", onSignal);
        try {
          while (!stop) {
            await new Promise((r) => setTimeout(r, 250));
            print();
          }
        } finally {
          Deno.removeSignalListener("SIGINT", onSignal);
          Deno.removeSignalListener("SIGTERM", onSignal);
        }
      });
    });
}
