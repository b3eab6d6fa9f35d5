/**
 * `ports: ["80"]` (a container port without a host port): docker publishes it on an ephemeral
 * host port that the kernel picks. {@linkcode withEphemeralPorts} is the pure planner (it fills
 * in `published` from a picker); {@linkcode pickEphemeralPort} asks the kernel for a free port.
 * The config hash is computed from the model before this, so a kept pod keeps its port and a
 * recreated one gets a new one, as with docker.
 *
 * @module
 */
import type { ComposeService } from "./compose_model.ts";
import type { ServicePort } from "./syntax.ts";

/** Picks a free host port for `port` (protocol `tcp` or `udp`). */
export type PortPicker = (port: ServicePort) => number | Promise<number>;

/**
 * A copy of `svc` whose `ports` without a host port have one from `pick` (`expose` is left
 * alone: those ports are never published). Ports that already have a host port are unchanged.
 *
 * @example
 * ```ts
 * import { withEphemeralPorts } from "./ephemeral_ports.ts";
 * import assert from "node:assert/strict";
 * let next = 40000;
 * const svc = await withEphemeralPorts(
 *   { ports: [{ target: 80, protocol: "tcp" }, { target: 53, published: 5353, protocol: "udp" }] },
 *   () => next++,
 * );
 * assert.deepEqual(svc.ports.map((p) => p.published), [40000, 5353]);
 * ```
 */
export async function withEphemeralPorts<S extends Pick<ComposeService, "ports">>(
  svc: S,
  pick: PortPicker,
): Promise<S> {
  if (svc.ports.every((p) => p.published !== undefined)) return svc;
  const ports: ServicePort[] = [];
  for (const p of svc.ports) {
    ports.push(p.published !== undefined ? p : { ...p, published: await pick(p) });
  }
  return { ...svc, ports };
}

/**
 * A host port the kernel considers free for `port.protocol` on every address (it binds port 0
 * on 0.0.0.0 and releases it at once — docker's ephemeral range, `ip_local_port_range`).
 * Another process may take it before it is published; the network provider's port check then
 * refuses the pod with a `ConflictError`, and the caller may pick again.
 *
 * @example
 * ```ts
 * import { pickEphemeralPort } from "./ephemeral_ports.ts";
 * import assert from "node:assert/strict";
 * const port = pickEphemeralPort({ protocol: "tcp" });
 * assert.ok(port > 1024 && port < 65536);
 * ```
 */
export function pickEphemeralPort(port: Pick<ServicePort, "protocol">): number {
  if (port.protocol === "udp") {
    const l = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
    const n = (l.addr as Deno.NetAddr).port;
    l.close();
    return n;
  }
  const l = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const n = (l.addr as Deno.NetAddr).port;
  l.close();
  return n;
}
