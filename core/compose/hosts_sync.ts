/**
 * Name resolution between a project's services: every pod's `/etc/hosts` lists, for each network
 * it shares with another pod of the project, that pod's address there with its service name,
 * pod name (container_name), hostname and aliases. Rewritten in place (the file is bind-mounted
 * into the containers) whenever services start, stop or scale. The text comes from a pure
 * function; the addresses from the network provider.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import type { SandboxRecord } from "../pod/pod_store.ts";
import type { ComposeNetworkOps } from "./project_state.ts";
import { projectPods } from "./project_state.ts";
import { ANNOTATION_DNS_NAMES } from "./translate.ts";

/** One pod's inputs for {@linkcode projectHostEntries}. */
export interface HostsPeer {
  /** Pod name. */
  pod: string;
  /** Network name → the pod's address there. */
  addresses: Record<string, string>;
  /** Network name → the names the pod answers to there. */
  names: Record<string, string[]>;
}

/**
 * The extra `/etc/hosts` entries of `self`: every peer (itself included) on every network both
 * are attached to, one line per address.
 *
 * @example
 * ```ts
 * import { projectHostEntries } from "./hosts_sync.ts";
 * import assert from "node:assert/strict";
 * const web = { pod: "app-web-1", addresses: { n1: "10.0.0.2" }, names: { n1: ["web", "app-web-1"] } };
 * const db = { pod: "app-db-1", addresses: { n1: "10.0.0.3", n2: "10.1.0.3" }, names: { n1: ["db"], n2: ["db", "store"] } };
 * assert.deepEqual(projectHostEntries(web, [web, db]), [
 *   { ip: "10.0.0.2", names: ["web", "app-web-1"] },
 *   { ip: "10.0.0.3", names: ["db"] },
 * ]);
 * ```
 */
export function projectHostEntries(
  self: HostsPeer,
  peers: readonly HostsPeer[],
): { ip: string; names: string[] }[] {
  const out: { ip: string; names: string[] }[] = [];
  const seen = new Set<string>();
  for (const peer of peers) {
    for (const [net, ip] of Object.entries(peer.addresses)) {
      if (self.addresses[net] === undefined) continue;
      const names = peer.names[net] ?? [peer.pod];
      const key = `${ip} ${names.join(" ")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ip, names });
    }
  }
  return out;
}

function namesOf(rec: SandboxRecord): Record<string, string[]> {
  const raw = rec.config.annotations[ANNOTATION_DNS_NAMES];
  if (raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null) return {};
    const out: Record<string, string[]> = {};
    for (const [k, names] of Object.entries(v)) {
      if (Array.isArray(names)) out[k] = names.filter((n): n is string => typeof n === "string");
    }
    return out;
  } catch (e) {
    if (e instanceof SyntaxError) return {};
    throw e;
  }
}

/** Renders a hosts file (net/'s `renderHosts`, passed in so core does not import net/). */
export type HostsRenderer = (input: {
  hostname: string;
  aliases?: readonly string[];
  ips: readonly string[];
  extraHosts?: readonly { ip: string; names: readonly string[] }[];
}) => string;

/**
 * Rewrites the `/etc/hosts` of every running pod of `project` with the current addresses of
 * the others. Pods without a network (stopped) are skipped.
 */
export async function syncProjectHosts(
  engine: Engine,
  ops: ComposeNetworkOps,
  render: HostsRenderer,
  project: string,
): Promise<void> {
  const pods = projectPods(engine, project).filter((p) =>
    p.record.hostsFile !== undefined && p.record.ips.length > 0 && !p.record.stopped
  );
  const peers = await Promise.all(pods.map(async (p): Promise<HostsPeer> => ({
    pod: p.record.name,
    addresses: await ops.addresses(p.record.id),
    names: namesOf(p.record),
  })));
  await Promise.all(pods.map(async (p, i) => {
    const extra = [
      ...(p.record.config.extraHosts ?? []),
      ...projectHostEntries(peers[i]!, peers),
    ];
    const text = render({
      hostname: p.record.config.hostname,
      aliases: [p.record.name],
      ips: p.record.ips.slice(0, 1),
      extraHosts: extra,
    });
    const file = p.record.hostsFile!;
    let old: string | undefined;
    try {
      old = await Deno.readTextFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return; // the pod went away meanwhile
      throw e;
    }
    // In place (same inode): the file is bind-mounted into the running containers.
    if (old !== text) await Deno.writeTextFile(file, text);
  }));
}
