/**
 * Removing the outbound-masquerade rules the bridge plugin (`ipMasq`) installs for one
 * attachment, for the case the plugin cannot: its DEL finds the container's addresses in the
 * network namespace, so when the namespace is already gone (crash, reboot of the netns
 * mounts, manual unmount) the rules would stay. They are found by the plugin's comment
 * `name: "NETWORK" id: "ID"`.
 *
 * @module
 */
import { run } from "../core/exec.ts";

/**
 * Splits one line of `iptables -S` output into arguments (double quotes with backslash
 * escapes, as iptables prints them).
 *
 * @example
 * ```ts
 * import { splitIptablesLine } from "./masq_rules.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   splitIptablesLine('-A X -m comment --comment "name: \\"n\\" id: \\"a\\"" -j Y'),
 *   ["-A", "X", "-m", "comment", "--comment", 'name: "n" id: "a"', "-j", "Y"],
 * );
 * ```
 */
export function splitIptablesLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inQuote) {
      if (c === "\\" && i + 1 < line.length) {
        cur += line[++i];
      } else if (c === '"') {
        inQuote = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      inQuote = true;
      has = true;
    } else if (c === " ") {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** Rules to delete and chains to remove for one attachment. */
export interface MasqCleanup {
  /** `-D` argument lists (chain first). */
  deletes: string[][];
  /** Per-attachment chains to flush and delete. */
  chains: string[];
}

/**
 * Plans the removal of an attachment's masquerade rules from `iptables -t nat -S` output.
 *
 * @example
 * ```ts
 * import { planMasqCleanup } from "./masq_rules.ts";
 * import assert from "node:assert/strict";
 * const text = [
 *   "-N CNI-abc",
 *   '-A POSTROUTING -s 10.1.0.2/32 -m comment --comment "name: \\"n\\" id: \\"c1\\"" -j CNI-abc',
 *   '-A CNI-abc -d 10.1.0.0/24 -m comment --comment "name: \\"n\\" id: \\"c1\\"" -j ACCEPT',
 *   '-A POSTROUTING -s 10.1.0.3/32 -m comment --comment "name: \\"n\\" id: \\"c2\\"" -j CNI-def',
 * ].join("\n");
 * const plan = planMasqCleanup(text, "n", "c1");
 * assert.deepEqual(plan.chains, ["CNI-abc"]);
 * assert.equal(plan.deletes.length, 1);
 * assert.equal(plan.deletes[0]?.[0], "POSTROUTING");
 * ```
 */
export function planMasqCleanup(text: string, network: string, id: string): MasqCleanup {
  const comment = `name: "${network}" id: "${id}"`;
  const plan: MasqCleanup = { deletes: [], chains: [] };
  for (const line of text.split("\n")) {
    const args = splitIptablesLine(line.trim());
    if (args[0] !== "-A" || args[1] !== "POSTROUTING") continue;
    const c = args.indexOf("--comment");
    if (c < 0 || args[c + 1] !== comment) continue;
    plan.deletes.push(args.slice(1));
    const j = args.indexOf("-j");
    const target = args[j + 1];
    if (j >= 0 && target?.startsWith("CNI-") && !plan.chains.includes(target)) {
      plan.chains.push(target);
    }
  }
  return plan;
}

/** Removes the masquerade rules of attachment `id` on `network`; returns how many rules. */
export async function removeMasqRules(network: string, id: string): Promise<number> {
  const listed = await run(["iptables", "-w", "-t", "nat", "-S"]);
  const plan = planMasqCleanup(listed.stdout, network, id);
  for (const d of plan.deletes) await run(["iptables", "-w", "-t", "nat", "-D", ...d]);
  for (const chain of plan.chains) {
    await run(["iptables", "-w", "-t", "nat", "-F", chain]);
    await run(["iptables", "-w", "-t", "nat", "-X", chain]);
  }
  return plan.deletes.length;
}
