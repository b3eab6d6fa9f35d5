/**
 * Applies the service data plane planned by `./service_proxy_plan.ts`: one
 * `iptables-restore --noflush` of the agent's own chains per sync (as kube-proxy does; other
 * chains are never touched), then the jumps from the built-in chains (`-C`, then `-I`). A sync
 * whose restore text equals the last one applied is skipped. After the rules, stale UDP flows
 * are deleted from the conntrack table (`./service_proxy_conntrack.ts`): after every restore,
 * whenever a UDP service port's serving endpoints changed, and with the periodic check.
 * {@linkcode removeServiceProxy} deletes the jumps and every `RK8S-*` chain (the agent leaves).
 *
 * @module
 */
import { run } from "../../core/exec.ts";
import { ensureNetworkRules, removeNetworkRules } from "../../net/network_rules.ts";
import {
  CHAIN_PREFIX,
  planServiceProxy,
  planServiceProxyRemoval,
  servicePorts,
  type ServiceProxyInput,
  serviceProxyJumps,
} from "./service_proxy_plan.ts";
import { clearStaleUdpFlows, ConntrackMissingError } from "./service_proxy_conntrack.ts";

/**
 * The `RK8S-*` chains declared in `iptables-save` output.
 *
 * @example
 * ```ts
 * import { ownChains } from "./service_proxy_apply.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(ownChains("*nat\n:PREROUTING ACCEPT [0:0]\n:RK8S-SERVICES - [0:0]\n-A X -j Y\n"), ["RK8S-SERVICES"]);
 * ```
 */
export function ownChains(save: string): string[] {
  const out: string[] = [];
  for (const line of save.split("\n")) {
    const m = /^:(\S+) /.exec(line);
    if (m && m[1]!.startsWith(CHAIN_PREFIX)) out.push(m[1]!);
  }
  return out;
}

/** The `RK8S-*` chains present now in the nat and filter tables, and how many rules they hold. */
export async function existingOwnChains(): Promise<
  { nat: string[]; filter: string[]; rules: number }
> {
  const nat = await run(["iptables-save", "-t", "nat"], { timeoutMs: 30_000 });
  const filter = await run(["iptables-save", "-t", "filter"], { timeoutMs: 30_000 });
  return {
    nat: ownChains(nat.stdout),
    filter: ownChains(filter.stdout),
    rules: ownRuleCount(nat.stdout) + ownRuleCount(filter.stdout),
  };
}

/**
 * How many rules of `RK8S-*` chains an `iptables-save` (or restore) text holds.
 *
 * @example
 * ```ts
 * import { ownRuleCount } from "./service_proxy_apply.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ownRuleCount("-A RK8S-SERVICES -j X\n-A PREROUTING -j RK8S-SERVICES\n-A RK8S-MARK-MASQ -j MARK\n"), 2);
 * ```
 */
export function ownRuleCount(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith(`-A ${CHAIN_PREFIX}`)) n++;
  return n;
}

/** How often an unchanged sync checks the chains and the jumps into them, ms. */
const CHECK_MS = 30_000;

async function restore(text: string): Promise<void> {
  await run(["iptables-restore", "-w", "--noflush"], { stdin: text, timeoutMs: 30_000 });
}

/** Settings of {@linkcode ServiceProxy}. */
export interface ServiceProxyOptions {
  /** Log sink (stale UDP flows cleared, conntrack problems). */
  log?: (line: string) => void;
  /** The argv that runs conntrack (default `["conntrack"]`, found on PATH). */
  conntrack?: readonly string[];
}

/** The UDP service ports and their serving endpoints, as one comparable string. */
function udpKey(ports: ReturnType<typeof servicePorts>): string {
  return JSON.stringify(
    ports.filter((p) => p.protocol === "UDP").map((p) => [
      p.clusterIP,
      p.port,
      p.nodePort,
      p.externalIPs,
      p.endpoints.map((e) => e.ip),
    ]),
  );
}

/** Writes the service rules; remembers the last restore so an unchanged sync costs nothing. */
export class ServiceProxy {
  #last: string | undefined;
  #chains: { nat: string[]; filter: string[] } | undefined;
  #jumpsCheckedAt = 0;
  readonly #o: ServiceProxyOptions;
  /** {@linkcode udpKey} of the last conntrack cleanup that succeeded. */
  #udpKey: string | undefined;
  #conntrackMissing = false;

  /** Creates the proxy (nothing is touched until `sync`). */
  constructor(o: ServiceProxyOptions = {}) {
    this.#o = o;
  }

  /**
   * Plans and applies; returns whether iptables was changed. Throws the `iptables-restore`
   * error (nothing is half-applied: a restore is one transaction). Stale UDP flows are cleared
   * after the rules; a failure there is logged and retried on the next sync, never thrown.
   */
  async sync(input: Omit<ServiceProxyInput, "existingChains">): Promise<boolean> {
    const probe = planServiceProxy({
      ...input,
      existingChains: this.#chains ?? { nat: [], filter: [] },
    });
    if (this.#chains !== undefined && probe.restore === this.#last) {
      // Unchanged: no restore. Now and then the chains and jumps are checked (someone may have
      // flushed a table), and a missing chain makes the next restore a full one.
      if (Date.now() - this.#jumpsCheckedAt < CHECK_MS) {
        await this.#clearUdpFlows(input, false);
        return false;
      }
      this.#jumpsCheckedAt = Date.now();
      const have = await existingOwnChains();
      const complete = this.#chains.nat.every((c) => have.nat.includes(c)) &&
        this.#chains.filter.every((c) => have.filter.includes(c)) &&
        have.rules === ownRuleCount(probe.restore);
      if (complete) {
        await ensureNetworkRules(probe.jumps);
        await this.#clearUdpFlows(input, true);
        return false;
      }
      this.#chains = undefined;
      this.#last = undefined;
    }
    const existing = this.#chains ?? await existingOwnChains();
    const plan = this.#chains === undefined
      ? planServiceProxy({ ...input, existingChains: existing })
      : probe;
    try {
      await restore(plan.restore);
      await ensureNetworkRules(plan.jumps);
    } catch (e) {
      // Unknown state: read the chains again on the next sync.
      this.#chains = undefined;
      this.#last = undefined;
      throw e;
    }
    this.#last = plan.restore;
    this.#chains = plan.chains;
    this.#jumpsCheckedAt = Date.now();
    await this.#clearUdpFlows(input, true);
    return true;
  }

  /**
   * Deletes stale UDP flows when `force` (the rules were written or checked) or when a UDP
   * service port's serving endpoints changed since the last cleanup. Only after the rules are
   * in place: a datagram sent between the cleanup and the rules would make a stale flow again.
   */
  async #clearUdpFlows(
    input: Omit<ServiceProxyInput, "existingChains">,
    force: boolean,
  ): Promise<void> {
    const ports = servicePorts(input.services, input.endpointSlices, { serving: true });
    const key = udpKey(ports);
    if (!force && key === this.#udpKey) return;
    const log = this.#o.log ?? (() => {});
    try {
      const cleared = await clearStaleUdpFlows(ports, this.#o.conntrack);
      this.#udpKey = key;
      for (const c of cleared) {
        log(
          `node agent: deleted ${c.entries} stale UDP flow(s) of ${c.why} ${
            c.origDst ?? "*"
          }:${c.origPortDst} to ${c.replySrc}`,
        );
      }
    } catch (e) {
      if (e instanceof ConntrackMissingError) {
        // Logged once; the rules work without it (only stale flows stay until they time out).
        if (!this.#conntrackMissing) log(`node agent: ${e.message}`);
        this.#conntrackMissing = true;
        this.#udpKey = key;
        return;
      }
      this.#udpKey = undefined;
      log(`node agent: stale UDP flows: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Removes the jumps and every `RK8S-*` chain; returns the chains removed. */
  async remove(): Promise<string[]> {
    this.#last = undefined;
    this.#chains = undefined;
    return await removeServiceProxy();
  }
}

/** Deletes the jumps and every `RK8S-*` chain of the nat and filter tables. */
export async function removeServiceProxy(): Promise<string[]> {
  await removeNetworkRules(serviceProxyJumps());
  const existing = await existingOwnChains();
  if (existing.nat.length + existing.filter.length > 0) {
    await restore(planServiceProxyRemoval(existing));
  }
  return [...existing.nat, ...existing.filter];
}
