/**
 * Deletes stale UDP conntrack entries of the service data plane, as planned by
 * `./service_proxy_conntrack_plan.ts`, with the `conntrack` program of conntrack-tools (Debian
 * package `conntrack`, installed by `deno task setup`): one `conntrack -L -f ipv4 -p udp`, then
 * one `conntrack -D` per stale filter. It works on the conntrack table of the network namespace
 * the agent runs in (the node's). Nothing is read when no UDP service port has a serving
 * endpoint.
 *
 * @module
 */
import { run } from "../../core/exec.ts";
import { RkError } from "../../core/errors.ts";
import type { ServicePortPlan } from "./service_proxy_plan.ts";
import {
  conntrackDeleteArgs,
  type ConntrackDeletion,
  hasUdpEndpoints,
  parseConntrackFlows,
  planConntrackCleanup,
} from "./service_proxy_conntrack_plan.ts";

/** The `conntrack` program is not installed (or not allowed): stale flows cannot be cleared. */
export class ConntrackMissingError extends RkError {
  /** The program that was run. */
  readonly program: string;
  /** Creates the error. */
  constructor(program: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(
      `Cannot run "${program}"${why}; stale UDP flows of Services are not cleared (install the Debian package "conntrack")`,
      options,
    );
    this.name = "ConntrackMissingError";
    this.program = program;
  }
}

/** One deletion done, with how many entries it removed. */
export interface ConntrackCleared extends ConntrackDeletion {
  /** Entries deleted (0 when the flow ended meanwhile). */
  entries: number;
}

const TIMEOUT_MS = 30_000;

async function conntrack(program: readonly string[], args: string[]) {
  try {
    return await run([...program, ...args], { allowFailure: true, timeoutMs: TIMEOUT_MS });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) {
      throw new ConntrackMissingError(program.join(" "), { cause: e });
    }
    throw e;
  }
}

/**
 * Lists the UDP entries and deletes the stale ones (see the module doc). `ports` carry the
 * serving endpoints (`servicePorts(services, slices, { serving: true })`). Returns the
 * deletions done. `program` is the argv that runs conntrack (default `["conntrack"]`; a test
 * prefixes `ip netns exec NS`). Throws {@linkcode ConntrackMissingError} when the program
 * cannot be run and `RkError` when listing or deleting fails; a deletion that matched nothing
 * (the flow ended) is not an error.
 *
 * @example
 * ```ts ignore
 * import { clearStaleUdpFlows } from "./service_proxy_conntrack.ts";
 * import { servicePorts } from "./service_proxy_plan.ts";
 * const cleared = await clearStaleUdpFlows(servicePorts(services, slices, { serving: true }));
 * ```
 */
export async function clearStaleUdpFlows(
  ports: readonly ServicePortPlan[],
  program: readonly string[] = ["conntrack"],
): Promise<ConntrackCleared[]> {
  if (!hasUdpEndpoints(ports)) return [];
  const list = await conntrack(program, ["-L", "-f", "ipv4", "-p", "udp"]);
  if (list.code !== 0) {
    throw new RkError(
      `${program.join(" ")} -L -f ipv4 -p udp failed (exit ${list.code}): ${list.stderr.trim()}`,
    );
  }
  const out: ConntrackCleared[] = [];
  for (const d of planConntrackCleanup(ports, parseConntrackFlows(list.stdout))) {
    const args = conntrackDeleteArgs(d);
    const r = await conntrack(program, args);
    const m = /(\d+) flow entries have been deleted/.exec(r.stderr);
    // Exit 1 with "0 flow entries have been deleted" when the entry is gone already.
    if (r.code !== 0 && !m) {
      throw new RkError(
        `${[...program, ...args].join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`,
      );
    }
    out.push({ ...d, entries: m ? Number(m[1]) : 0 });
  }
  return out;
}
