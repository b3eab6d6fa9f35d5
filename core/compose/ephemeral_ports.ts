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
export type PortPicker = (port: Pick<ServicePort, "protocol">) => number | Promise<number>;

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

/**
 * The pod annotation that names the ports `up` published on an ephemeral host port, as
 * `TARGET/PROTOCOL:HOSTPORT` entries separated by commas (e.g. `80/tcp:40123`), so that
 * `start` and `restart` can pick them anew: docker de-allocates an ephemeral port when the
 * container stops and allocates one when it starts again.
 */
export const ANNOTATION_EPHEMERAL_PORTS = "io.rk8s.compose.ephemeral-ports";

/**
 * The {@linkcode ANNOTATION_EPHEMERAL_PORTS} value for `svc` (its declared ports) once
 * {@linkcode withEphemeralPorts} gave it `filled`; undefined when no port was ephemeral.
 *
 * @example
 * ```ts
 * import { ephemeralPortsAnnotation } from "./ephemeral_ports.ts";
 * import assert from "node:assert/strict";
 * const svc = { ports: [{ target: 80, protocol: "tcp" as const }, { target: 53, published: 53, protocol: "udp" as const }] };
 * const filled = { ports: [{ target: 80, published: 40001, protocol: "tcp" as const }, svc.ports[1]!] };
 * assert.equal(ephemeralPortsAnnotation(svc, filled), "80/tcp:40001");
 * assert.equal(ephemeralPortsAnnotation(filled, filled), undefined);
 * ```
 */
export function ephemeralPortsAnnotation(
  svc: Pick<ComposeService, "ports">,
  filled: Pick<ComposeService, "ports">,
): string | undefined {
  const out: string[] = [];
  svc.ports.forEach((p, i) => {
    const host = filled.ports[i]?.published;
    if (p.published === undefined && host !== undefined) {
      out.push(`${p.target}/${p.protocol}:${host}`);
    }
  });
  return out.length > 0 ? out.join(",") : undefined;
}

/**
 * A copy of a compose pod's manifest whose ephemeral host ports (named by
 * {@linkcode ANNOTATION_EPHEMERAL_PORTS}) are picked anew by `pick`, with the annotation updated.
 * Ports with a fixed host port, and manifests without the annotation, are unchanged.
 *
 * @example
 * ```ts
 * import { ANNOTATION_EPHEMERAL_PORTS, withNewEphemeralPorts } from "./ephemeral_ports.ts";
 * import assert from "node:assert/strict";
 * const pod = {
 *   annotations: { [ANNOTATION_EPHEMERAL_PORTS]: "80/tcp:40001" },
 *   containers: [{ ports: [
 *     { containerPort: 80, hostPort: 40001, protocol: "TCP" as const },
 *     { containerPort: 80, hostPort: 8080, protocol: "TCP" as const },
 *   ] }],
 * };
 * const next = await withNewEphemeralPorts(pod, () => 40777);
 * assert.deepEqual(next.containers[0]!.ports.map((p) => p.hostPort), [40777, 8080]);
 * assert.equal(next.annotations[ANNOTATION_EPHEMERAL_PORTS], "80/tcp:40777");
 * assert.equal(pod.containers[0]!.ports[0]!.hostPort, 40001); // the input is not changed
 * ```
 */
export async function withNewEphemeralPorts<
  M extends {
    annotations: Record<string, string>;
    containers: readonly { ports: readonly PortMappingLike[] }[];
  },
>(manifest: M, pick: PortPicker): Promise<M> {
  const raw = manifest.annotations[ANNOTATION_EPHEMERAL_PORTS];
  if (raw === undefined || raw === "") return manifest;
  const wanted = new Set(raw.split(","));
  const entries: string[] = [];
  const containers = [];
  for (const c of manifest.containers) {
    const ports = [];
    for (const p of c.ports) {
      const protocol = p.protocol.toLowerCase();
      const key = `${p.containerPort}/${protocol}:${p.hostPort}`;
      if (
        p.hostPort === undefined || !wanted.has(key) || (protocol !== "tcp" && protocol !== "udp")
      ) {
        ports.push(p);
        continue;
      }
      wanted.delete(key);
      const hostPort = await pick({ protocol });
      entries.push(`${p.containerPort}/${protocol}:${hostPort}`);
      ports.push({ ...p, hostPort });
    }
    containers.push({ ...c, ports });
  }
  return {
    ...manifest,
    annotations: { ...manifest.annotations, [ANNOTATION_EPHEMERAL_PORTS]: entries.join(",") },
    containers,
  };
}

/** The fields of a container port {@linkcode withNewEphemeralPorts} reads. */
export interface PortMappingLike {
  /** Port inside the container. */
  containerPort: number;
  /** Host port. */
  hostPort?: number;
  /** `TCP`, `UDP`, ... */
  protocol: string;
}
