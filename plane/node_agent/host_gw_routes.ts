/**
 * Applies the host-gw plan (`./host_gw_plan.ts`) with `ip route` in the node's network
 * namespace. The node agent's routes carry their own route protocol number
 * ({@linkcode HOST_GW_ROUTE_PROTO}), so they are told apart from every other route and removed
 * when the agent leaves without touching anyone else's.
 *
 * @module
 */
import { run } from "../../core/exec.ts";
import { diffHostGwRoutes, type HostGwRoute } from "./host_gw_plan.ts";

/** The `proto` of the routes the node agent installs (unassigned in iproute2's rt_protos). */
export const HOST_GW_ROUTE_PROTO = "201";

/**
 * Parses `ip -4 -j route show proto N` output into destination/gateway pairs.
 *
 * @example
 * ```ts
 * import { parseRouteJson } from "./host_gw_routes.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   parseRouteJson('[{"dst":"10.244.1.0/24","gateway":"10.250.0.11","dev":"eth0","flags":[]}]'),
 *   [{ dst: "10.244.1.0/24", via: "10.250.0.11" }],
 * );
 * assert.deepEqual(parseRouteJson(""), []);
 * ```
 */
export function parseRouteJson(text: string): { dst: string; via: string }[] {
  if (text.trim() === "") return [];
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) return [];
  const out: { dst: string; via: string }[] = [];
  for (const r of list) {
    if (typeof r !== "object" || r === null) continue;
    const { dst, gateway } = r as { dst?: unknown; gateway?: unknown };
    if (typeof dst === "string") {
      out.push({ dst, via: typeof gateway === "string" ? gateway : "" });
    }
  }
  return out;
}

/** The node agent's routes present now. */
export async function listHostGwRoutes(): Promise<{ dst: string; via: string }[]> {
  const r = await run(["ip", "-4", "-j", "route", "show", "proto", HOST_GW_ROUTE_PROTO], {
    timeoutMs: 30_000,
  });
  return parseRouteJson(r.stdout);
}

/**
 * Makes the node agent's routes equal `desired`; returns what changed (for the log).
 */
export async function syncHostGwRoutes(
  desired: readonly HostGwRoute[],
): Promise<{ removed: string[]; replaced: HostGwRoute[] }> {
  const d = diffHostGwRoutes(desired, await listHostGwRoutes());
  for (const dst of d.remove) {
    await run(["ip", "-4", "route", "del", dst, "proto", HOST_GW_ROUTE_PROTO], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
  }
  for (const r of d.replace) {
    await run(
      ["ip", "-4", "route", "replace", r.dst, "via", r.via, "proto", HOST_GW_ROUTE_PROTO],
      { timeoutMs: 30_000 },
    );
  }
  return { removed: d.remove, replaced: d.replace };
}

/** Removes every route the node agent installed (the agent leaves). */
export async function removeHostGwRoutes(): Promise<string[]> {
  return (await syncHostGwRoutes([])).removed;
}
