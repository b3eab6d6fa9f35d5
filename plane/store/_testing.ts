/**
 * Helpers of the store's tests and of every test and bench that needs an etcd: a throwaway
 * etcd recorded in the process's test lease (`core/test_lease.ts`), so that a killed test run
 * leaves no etcd or data directory behind for long. Not exported from `mod.ts`.
 *
 * @module
 */
import { removeIfExists } from "../../core/fs.ts";
import { testLease } from "../../core/test_lease.ts";
import { sweepTestLeftovers } from "../../core/test_sweep.ts";
import { type EtcdServer, type EtcdServerOptions, startEtcd } from "./etcd_server.ts";

/**
 * {@linkcode startEtcd} for tests: first sweeps the leftovers of dead test runs, then starts
 * etcd with its data in a fresh directory held by this process's test lease (as is each etcd
 * process, until it exits); `stop` removes the directory and releases it.
 */
export async function startTestEtcd(
  opts: Omit<EtcdServerOptions, "dataDir" | "onSpawn"> = {},
): Promise<EtcdServer> {
  await sweepTestLeftovers();
  const lease = testLease();
  const dir = lease.makeTempDir("rk8s-etcd-");
  const removeDir = async () => {
    await removeIfExists(dir);
    lease.release({ kind: "dir", path: dir });
  };
  let etcd: EtcdServer;
  try {
    etcd = await startEtcd({
      ...opts,
      dataDir: `${dir}/data`,
      onSpawn: (child) => lease.holdChild(child, "etcd"),
    });
  } catch (e) {
    await removeDir();
    throw e;
  }
  const stop = async () => {
    await etcd.stop();
    await removeDir();
  };
  return {
    httpUrl: etcd.httpUrl,
    grpcUrl: etcd.grpcUrl,
    port: etcd.port,
    dataDir: etcd.dataDir,
    get pid() {
      return etcd.pid;
    },
    kill: () => etcd.kill(),
    restart: () => etcd.restart(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
