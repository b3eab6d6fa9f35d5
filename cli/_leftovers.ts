/**
 * Test helper: everything a state root can leave on the host, by kind — mounts, network
 * namespaces, veths on the root's bridge, IP allocations, iptables rules, cgroups, runtime
 * containers, monitor and runtime processes, records and state directories.
 *
 * @module
 */
import { join } from "../core/path.ts";
import { cgroupDirs, containerCgroupPath } from "../core/cgroup/mod.ts";
import { run } from "../core/exec.ts";
import { processTable } from "../core/runtime/conmon.ts";
import { openDatabase } from "../core/store/db.ts";

async function names(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Ids of the container and pod sandbox records of `root` (empty when there is no database). */
export async function recordIds(root: string): Promise<{ containers: string[]; pods: string[] }> {
  const file = join(root, "lib", "rkl.db");
  try {
    await Deno.stat(file);
  } catch {
    return { containers: [], pods: [] };
  }
  const db = await openDatabase(file);
  try {
    return {
      containers: db.all("SELECT id FROM containers").map((r) => String(r.id)),
      pods: db.all("SELECT id FROM pod_sandboxes").map((r) => String(r.id)),
    };
  } finally {
    db.close();
  }
}

async function bridgesOf(root: string): Promise<string[]> {
  const out: string[] = [];
  const dir = join(root, "etc", "cni");
  for (const f of await names(dir)) {
    const text = await Deno.readTextFile(join(dir, f)).catch(() => "");
    for (const m of text.matchAll(/"bridge"\s*:\s*"([^"]+)"/g)) out.push(m[1]!);
  }
  return out;
}

/**
 * What is left of `root` on the host, one `kind: item` string each; empty when nothing is.
 * `ids` are container and sandbox ids that ever existed under the root (iptables rules and
 * cgroups are found by id, since they live outside the root).
 */
export async function leftovers(root: string, ids: Iterable<string>): Promise<string[]> {
  const out: string[] = [];
  const add = (kind: string, items: readonly string[]) => {
    for (const i of items) out.push(`${kind}: ${i}`);
  };
  const mounts = (await run(["mount"])).stdout.split("\n").filter((l) => l.includes(root));
  add("mount", mounts);
  add("netns", await names(join(root, "run", "netns")));
  for (const bridge of await bridgesOf(root)) {
    const r = await run(["ip", "-o", "link", "show", "master", bridge], { allowFailure: true });
    const veths = r.code !== 0
      ? []
      : r.stdout.split("\n").map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined);
    add("veth", veths);
  }
  const ipam = join(root, "lib", "cni", "ipam");
  for (const net of await names(ipam)) {
    add("ip", (await names(join(ipam, net))).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)));
  }
  const idList = [...new Set(ids)];
  const rules = [
    ...(await run(["iptables", "-w", "-t", "nat", "-S"])).stdout.split("\n"),
    ...(await run(["iptables", "-w", "-S"])).stdout.split("\n"),
  ];
  add("iptables", rules.filter((l) => idList.some((id) => l.includes(id))));
  for (const id of idList) {
    add("cgroup", [
      ...await cgroupDirs(containerCgroupPath(id, undefined)),
      ...await cgroupDirs(`/rkl/pod-${id}`),
    ]);
  }
  const runtime = await run(
    ["/usr/sbin/runc", "--root", join(root, "run", "runtime"), "list", "-q"],
    { allowFailure: true },
  );
  add("runtime container", runtime.stdout.split("\n").filter(Boolean));
  add(
    "process",
    (await processTable()).filter((p) => p.args.includes(root)).map((p) =>
      `${p.pid} ${p.args.slice(0, 100)}`
    ),
  );
  const records = await recordIds(root);
  add("container record", records.containers);
  add("pod record", records.pods);
  add("container dir", await names(join(root, "lib", "containers")));
  add("pod dir", await names(join(root, "lib", "pods")));
  return out;
}
