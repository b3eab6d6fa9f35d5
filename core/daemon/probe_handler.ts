/**
 * Runs one probe or lifecycle handler against a container, as the kubelet's prober does:
 * `exec` in the container (success: exit code 0), `tcpSocket` (success: the connection opens)
 * and `httpGet` (success: status 200–399) from the node to the pod's IP (127.0.0.1 with host
 * networking); `grpc` calls the standard health service on the pod's IP; `sleep` (hooks only)
 * waits. Each attempt is bounded by its timeout.
 *
 * @module
 */
import type { Engine } from "../container/mod.ts";
import { execInPodContainer } from "../pod/pod_containers.ts";
import type { ProbeHandler } from "../pod/pod_types.ts";
import type { PortMapping } from "../network.ts";
import { grpcHealthCheck } from "./grpc_health.ts";

/** Where a handler runs. */
export interface ProbeTarget {
  /** Engine container id (for `exec`). */
  containerId: string;
  /** The pod's primary IP; empty with host networking. */
  podIP: string;
  /** The container's declared ports (named ports resolve here). */
  ports: readonly PortMapping[];
}

/** Result of one attempt. */
export interface ProbeOutcome {
  /** Success. */
  ok: boolean;
  /** What happened (command output, HTTP status, error), at most 1 KiB. */
  output: string;
}

/**
 * Resolves a handler's port (a number or the name of a container port).
 *
 * @example
 * ```ts
 * import { resolvePort } from "./probe_handler.ts";
 * import assert from "node:assert/strict";
 * const ports = [{ containerPort: 8080, protocol: "TCP" as const, name: "http" }];
 * assert.equal(resolvePort("http", ports), 8080);
 * assert.equal(resolvePort(81, ports), 81);
 * assert.equal(resolvePort("nope", ports), undefined);
 * ```
 */
export function resolvePort(
  port: number | string,
  ports: readonly PortMapping[],
): number | undefined {
  if (typeof port === "number") return port;
  return ports.find((p) => p.name === port)?.containerPort;
}

function clip(s: string): string {
  const t = s.trim();
  return t.length > 1024 ? `${t.slice(0, 1024)}…` : t;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs `handler` once against `target`, giving up after `timeoutMs`. */
export async function runProbeHandler(
  engine: Engine,
  handler: ProbeHandler,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if (handler.kind === "exec") {
    try {
      const r = await execInPodContainer(
        engine,
        target.containerId,
        handler.command,
        Math.max(1, Math.ceil(timeoutMs / 1000)),
      );
      return {
        ok: r.exitCode === 0,
        output: clip(`${r.stdout}${r.stderr}`) || `exit code ${r.exitCode}`,
      };
    } catch (e) {
      return { ok: false, output: clip(errorText(e)) };
    }
  }
  if (handler.kind === "sleep") {
    // A hook only: the kubelet waits, bounded by the time left of the grace period.
    await new Promise((r) => setTimeout(r, Math.min(handler.seconds * 1000, timeoutMs)));
    return { ok: true, output: `slept ${handler.seconds} s` };
  }
  if (handler.kind === "grpc") {
    // No host field: the kubelet always dials the pod's IP.
    return await grpcHealthCheck(
      target.podIP || "127.0.0.1",
      handler.port,
      handler.service ?? "",
      timeoutMs,
    );
  }
  const port = resolvePort(handler.port, target.ports);
  if (port === undefined) return { ok: false, output: `port "${handler.port}" is not declared` };
  const host = handler.host || target.podIP || "127.0.0.1";
  if (handler.kind === "tcpSocket") {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const dial = Deno.connect({ hostname: host, port });
    try {
      const conn = await Promise.race([
        dial,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      conn.close();
      return { ok: true, output: `connected to ${host}:${port}` };
    } catch (e) {
      // A connection that opens after the timeout is closed, not leaked.
      dial.then((c) => c.close(), () => {});
      return { ok: false, output: `dial tcp ${host}:${port}: ${clip(errorText(e))}` };
    } finally {
      clearTimeout(timer);
    }
  }
  const url = `${handler.scheme.toLowerCase()}://${
    host.includes(":") ? `[${host}]` : host
  }:${port}${handler.path.startsWith("/") ? "" : "/"}${handler.path}`;
  const headers = new Headers({ "User-Agent": "kube-probe/1.32" });
  for (const h of handler.headers) headers.set(h.name, h.value);
  try {
    const res = await fetch(url, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is read (the connection is reused or closed) but not reported: the kubelet's
    // failure text is the status code alone (pkg/probe/http).
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 400;
    return {
      ok,
      output: ok ? `HTTP ${res.status}` : `HTTP probe failed with statuscode: ${res.status}`,
    };
  } catch (e) {
    return { ok: false, output: `Get "${url}": ${clip(errorText(e))}` };
  }
}
