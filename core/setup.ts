/**
 * Host set-up: finds the programs rk8s needs and installs the missing ones with apt-get.
 * Quick and idempotent when everything is present (it only stats files).
 *
 * @module
 */
import { RkError } from "./errors.ts";
import { run } from "./exec.ts";
import { pathExists } from "./fs.ts";

/** A program rk8s needs and the Debian package that provides it. */
export interface HostRequirement {
  /** Candidate absolute paths; the first that exists satisfies the requirement. */
  paths: readonly string[];
  /** Debian package that installs it. */
  debianPackage: string;
}

/** What the runtime layer needs on every host. */
export const coreRequirements: readonly HostRequirement[] = [
  { paths: ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"], debianPackage: "runc" },
  { paths: ["/usr/bin/conmon", "/usr/libexec/podman/conmon"], debianPackage: "conmon" },
  { paths: ["/usr/bin/catatonit"], debianPackage: "catatonit" },
  { paths: ["/usr/bin/busybox"], debianPackage: "busybox-static" },
  {
    paths: ["/usr/lib/cni/bridge", "/opt/cni/bin/bridge"],
    debianPackage: "containernetworking-plugins",
  },
  { paths: ["/usr/sbin/ip", "/usr/bin/ip"], debianPackage: "iproute2" },
  { paths: ["/usr/sbin/iptables"], debianPackage: "iptables" },
  // A cluster node deletes stale UDP flows of Services (`conntrack -D`), as kube-proxy does.
  { paths: ["/usr/sbin/conntrack"], debianPackage: "conntrack" },
  // The daemon's inotify (it polls without it).
  { paths: ["/usr/bin/inotifywait"], debianPackage: "inotify-tools" },
];

/** What the cluster store tests need. */
export const storeRequirements: readonly HostRequirement[] = [
  { paths: ["/usr/bin/etcd"], debianPackage: "etcd-server" },
  { paths: ["/usr/bin/etcdctl"], debianPackage: "etcd-client" },
];

/** Peers for the side-by-side benchmarks. */
export const benchRequirements: readonly HostRequirement[] = [
  { paths: ["/usr/bin/podman"], debianPackage: "podman" },
  { paths: ["/usr/bin/podman-compose"], debianPackage: "podman-compose" },
  { paths: ["/usr/bin/docker-compose"], debianPackage: "docker-compose" },
];

/**
 * Returns the Debian packages whose programs are missing.
 *
 * @example
 * ```ts
 * import { missingPackages } from "./setup.ts";
 * import assert from "node:assert/strict";
 * const reqs = [
 *   { paths: ["/bin/sh"], debianPackage: "dash" },
 *   { paths: ["/nonexistent/a", "/nonexistent/b"], debianPackage: "nothing" },
 * ];
 * assert.deepEqual(await missingPackages(reqs), ["nothing"]);
 * ```
 */
export async function missingPackages(reqs: readonly HostRequirement[]): Promise<string[]> {
  const missing: string[] = [];
  for (const req of reqs) {
    let found = false;
    for (const p of req.paths) {
      if (await pathExists(p)) {
        found = true;
        break;
      }
    }
    if (!found && !missing.includes(req.debianPackage)) missing.push(req.debianPackage);
  }
  return missing;
}

/**
 * Installs the Debian packages for every missing requirement. Throws a clear error when
 * not root or not on Debian/Ubuntu, naming what to install by hand.
 *
 * @example
 * ```ts ignore
 * import { ensureHost, coreRequirements } from "./setup.ts";
 * await ensureHost(coreRequirements, (line) => console.log(line));
 * ```
 */
export async function ensureHost(
  reqs: readonly HostRequirement[],
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const missing = await missingPackages(reqs);
  if (missing.length === 0) return [];
  const hint = `install them by hand: ${missing.join(" ")}`;
  if (Deno.uid() !== 0) throw new RkError(`Missing packages and not running as root; ${hint}`);
  if (!(await pathExists("/usr/bin/apt-get"))) {
    throw new RkError(`Missing packages and apt-get not found (not Debian/Ubuntu?); ${hint}`);
  }
  log(`Installing ${missing.join(", ")} with apt-get ...`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const update = await run(["/usr/bin/apt-get", "update"], { env, allowFailure: true });
  if (update.code !== 0) log(`apt-get update failed (continuing): ${update.stderr.trim()}`);
  await run(["/usr/bin/apt-get", "install", "-y", "--no-install-recommends", ...missing], { env });
  const still = await missingPackages(reqs);
  if (still.length > 0) {
    throw new RkError(`apt-get finished but these are still missing: ${still.join(" ")}`);
  }
  return missing;
}
