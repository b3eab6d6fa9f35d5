/**
 * Helpers for net/'s integration tests: unique bridge names and subnets (tests run
 * concurrently with other suites on the same host), a provider on a temp root, and host facts.
 *
 * @module
 */
import { rklPaths } from "../core/paths.ts";
import { run } from "../core/exec.ts";
import { hostLinkNames } from "./subnet.ts";
import { CniNetworkProvider, type CniNetworkProviderOptions } from "./cni_network_provider.ts";

/** A random bridge name (`rkt` + 8 hex) and /24 in 10.100.0.0-10.127.255.0. */
export function uniqueNet(): { bridge: string; subnet: string } {
  const b = crypto.getRandomValues(new Uint8Array(4));
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return { bridge: `rkt${hex}`, subnet: `10.${100 + (b[0]! % 28)}.${b[1]!}.0/24` };
}

/** A provider whose state lives under `root`, with its own default bridge and subnet. */
export function testProvider(
  root: string,
  extra: Partial<CniNetworkProviderOptions> = {},
): CniNetworkProvider & { bridge: string; subnet: string } {
  const net = uniqueNet();
  const p = new CniNetworkProvider({
    paths: rklPaths(root),
    root,
    defaultBridge: net.bridge,
    defaultSubnet: net.subnet,
    ...extra,
  });
  return Object.assign(p, net);
}

/** Names of the host's network devices. */
export function hostLinks(): Promise<string[]> {
  return hostLinkNames();
}

/** Files in a directory (none when missing). */
export async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

/** Runs `argv` inside the network namespace at `netns`. */
export function inNetns(
  netns: string,
  argv: readonly string[],
  opts: { allowFailure?: boolean; timeoutMs?: number } = {},
): ReturnType<typeof run> {
  return run(["nsenter", `--net=${netns}`, ...argv], opts);
}

/** Deletes a link if it exists (test clean-up). */
export async function deleteLink(name: string): Promise<void> {
  if ((await hostLinks()).includes(name)) await run(["ip", "link", "del", name]);
}

/** The nat table rules mentioning `text`. */
export async function natRulesMentioning(text: string): Promise<string[]> {
  const r = await run(["iptables", "-w", "-t", "nat", "-S"]);
  return r.stdout.split("\n").filter((l) => l.includes(text));
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Kills a helper process (if it still runs) and waits for it. */
export async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // it already exited
  }
  await child.status;
}

/** A unique sandbox id (`prefix-` + 8 hex): CNI derives iptables chain names from ids. */
export function uid(prefix: string): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `${prefix}-${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

/** A UDP port on 127.0.0.1 that is free right now (needs `--unstable-net`). */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/**
 * Sends one datagram to 127.0.0.1:`port` and returns the reply, or undefined when none came
 * within `timeoutMs` (one bounded attempt; poll with `waitFor`).
 */
export async function udpRoundTrip(
  port: number,
  payload: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sock.close();
  }, timeoutMs);
  try {
    await sock.send(new TextEncoder().encode(payload), {
      transport: "udp",
      hostname: "127.0.0.1",
      port,
    });
    const [data] = await sock.receive();
    return new TextDecoder().decode(data);
  } catch (error) {
    if (timedOut) return undefined;
    throw error;
  } finally {
    clearTimeout(timer);
    if (!timedOut) sock.close();
  }
}

/** Interfaces enslaved to `bridge` (none when the bridge does not exist). */
export async function bridgePorts(bridge: string): Promise<string[]> {
  const r = await run(["ip", "-o", "link", "show", "master", bridge], { allowFailure: true });
  if (r.code !== 0) return [];
  return r.stdout.split("\n").map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string =>
    n !== undefined
  );
}

/** Path of the failing test plugin (`testdata/cni/rkl-fail`). */
export const failingPluginDir: string = new URL("../testdata/cni", import.meta.url).pathname;

/** The filter table rules (the firewall plugin's) mentioning `text`. */
export async function filterRulesMentioning(text: string): Promise<string[]> {
  const r = await run(["iptables", "-w", "-S"]);
  return r.stdout.split("\n").filter((l) => l.includes(text));
}
