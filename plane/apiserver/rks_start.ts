/**
 * `startRks`: the control plane as `rks start` runs it — the data directory, the cluster PKI,
 * the store (the given endpoints, or an embedded etcd under `<data-dir>/etcd` on loopback,
 * stopped with rks), the API server over HTTPS, the admin kubeconfig, and the scheduler (a
 * client of that API).
 *
 * @module
 */
import { join } from "node:path";
import { ensureHost, storeRequirements } from "../../core/setup.ts";
import { readTextIfExists } from "../../core/fs.ts";
import { connectStore } from "../store/etcd_client.ts";
import { type EtcdServer, freePort, startEtcd } from "../store/etcd_server.ts";
import type { KvStore } from "../store/kv_store.ts";
import { type ApiServer, startApiServer } from "./api_server.ts";
import { ensureClusterPki } from "./cluster_pki.ts";
import { TokenIssuer } from "./token_issuer.ts";
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from "./service_account_claims.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { DEFAULT_LEADER_ELECTION, type RksConfig } from "./rks_config.ts";
import { LeaderElector } from "../client/leader_election.ts";
import { ApiClient } from "./api_client.ts";
import { KubeClient } from "../client/kube_client.ts";
import { SharedInformerFactory } from "../client/shared_informer_factory.ts";
import { Scheduler } from "../scheduler/scheduler.ts";
import {
  type ControllerManager,
  startControllerManager,
} from "../controllers/controller_manager.ts";
import type { NodeGateway } from "../node_gateway/node_gateway.ts";

/** A running control plane. */
export interface Rks extends AsyncDisposable {
  /** The API server. */
  readonly server: ApiServer;
  /** The store client. */
  readonly store: KvStore;
  /** The QUIC endpoint for node agents, when `nodeListen` is set. */
  readonly nodes: NodeGateway | undefined;
  /** The embedded etcd, when rks started one. */
  readonly etcd: EtcdServer | undefined;
  /**
   * The scheduler running inside rks now (none with `--scheduler off`, or while another rks
   * holds the `kube-scheduler` Lease).
   */
  readonly scheduler: Scheduler | undefined;
  /** The Leases this rks holds now (`kube-scheduler`, `kube-controller-manager`). */
  readonly leading: string[];
  /** Path of the admin kubeconfig in the data directory. */
  readonly kubeconfigPath: string;
  /** The admin kubeconfig text. */
  readonly kubeconfig: string;
  /** Stops the API server, the store client and the embedded etcd. */
  close(): Promise<void>;
}

/**
 * This rks's leader-election identity, `<hostname>_<uuid>` as client-go's, kept in
 * `<data-dir>/leader-identity` so a restarted rks renews its own Lease at once instead of
 * waiting for it to expire.
 */
async function leaderIdentity(dataDir: string): Promise<string> {
  const file = join(dataDir, "leader-identity");
  const kept = (await readTextIfExists(file))?.trim();
  if (kept) return kept;
  const id = `${Deno.hostname()}_${crypto.randomUUID()}`;
  await Deno.writeTextFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/**
 * Why pods cannot reach the API through the `default/kubernetes` Service (10.96.0.1:443, which
 * node service proxies send to the Endpoints' address: `--advertise-address`, else the listen
 * address), or `undefined` when they can: the listen address must be that address or a
 * wildcard (kube-apiserver binds `0.0.0.0` by default; rks binds loopback by default), and a
 * loopback address is a pod's own.
 *
 * @example
 * ```ts
 * import { inClusterReachProblem } from "./rks_start.ts";
 * import assert from "node:assert/strict";
 * assert.equal(inClusterReachProblem("0.0.0.0", "10.0.0.5"), undefined);
 * assert.equal(inClusterReachProblem("10.0.0.5", "10.0.0.5"), undefined);
 * assert.match(inClusterReachProblem("127.0.0.1", "10.0.0.5")!, /listens on 127\.0\.0\.1 only/);
 * assert.match(inClusterReachProblem("127.0.0.1", undefined)!, /loopback/);
 * ```
 */
export function inClusterReachProblem(
  hostname: string,
  advertiseAddress: string | undefined,
): string | undefined {
  const wildcard = hostname === "0.0.0.0" || hostname === "" || hostname === "::";
  const target = advertiseAddress ??
    (/^\d+\.\d+\.\d+\.\d+$/.test(hostname) ? hostname : "127.0.0.1");
  if (/^127\./.test(target)) {
    return `the default/kubernetes Endpoints name ${target}, a loopback address: pods cannot reach the API through 10.96.0.1 (pass --advertise-address with an address of this host that nodes reach)`;
  }
  if (!wildcard && hostname !== target) {
    return `the default/kubernetes Endpoints name ${target}, but rks listens on ${hostname} only: pods cannot reach the API through 10.96.0.1 (listen on 0.0.0.0 or ${target})`;
  }
  return undefined;
}

/** The server URL clients use for a listen address. */
export function clientUrl(hostname: string, port: number): string {
  const host = hostname === "0.0.0.0" || hostname === ""
    ? "127.0.0.1"
    : hostname === "::"
    ? "::1"
    : hostname;
  return `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

async function embeddedEtcd(dataDir: string, log: (l: string) => void): Promise<EtcdServer> {
  await ensureHost(storeRequirements.filter((r) => r.debianPackage === "etcd-server"), log);
  const portsFile = join(dataDir, "etcd-ports.json");
  const saved = await readTextIfExists(portsFile);
  let ports: { port: number; peerPort: number } | undefined;
  if (saved) {
    try {
      const p = JSON.parse(saved);
      if (Number.isInteger(p.port) && Number.isInteger(p.peerPort)) ports = p;
    } catch {
      ports = undefined;
    }
  }
  ports ??= { port: freePort(), peerPort: freePort() };
  await Deno.writeTextFile(portsFile, JSON.stringify(ports) + "\n");
  return await startEtcd({
    dataDir: join(dataDir, "etcd"),
    name: "rks",
    port: ports.port,
    peerPort: ports.peerPort,
    extraArgs: ["--auto-compaction-mode=revision", "--auto-compaction-retention=100000"],
  });
}

/**
 * Starts the control plane. On failure, whatever was started is stopped again.
 *
 * @example
 * ```ts ignore
 * import { startRks } from "./rks_start.ts";
 * await using rks = await startRks({ hostname: "127.0.0.1", port: 0, store: undefined, dataDir: "/tmp/rks" });
 * console.log(rks.server.url);
 * ```
 */
export async function startRks(
  config: RksConfig,
  log: (line: string) => void = () => {},
): Promise<Rks> {
  await Deno.mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const pki = await ensureClusterPki(join(config.dataDir, "pki"), [
    config.hostname,
    ...(config.nodeListen ? [config.nodeListen.hostname] : []),
    ...(config.advertiseAddress ? [config.advertiseAddress] : []),
  ]);
  if (pki.created) {
    log(`rks: created the cluster CA and credentials in ${join(config.dataDir, "pki")}`);
  }
  let etcd: EtcdServer | undefined;
  let store: KvStore | undefined;
  try {
    let endpoints = config.store;
    if (!endpoints) {
      etcd = await embeddedEtcd(config.dataDir, log);
      endpoints = [etcd.grpcUrl];
      log(`rks: embedded etcd on ${etcd.httpUrl} (data in ${etcd.dataDir})`);
    }
    store = connectStore({
      endpoints,
      // The API server, scheduler and controllers share this thread: etcd's gRPC runs beside it.
      grpcWorker: true,
      ...(config.username !== undefined ? { username: config.username } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
    });
    // pods/log reaches the node through the node gateway, which starts after the server.
    const connector = config.nodeListen
      ? new (await import("../node_gateway/quic_node_connector.ts")).QuicNodeConnector()
      : undefined;
    const tokenIssuer = await TokenIssuer.fromPem(
      pki.serviceAccountKey,
      pki.serviceAccountPub,
      config.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER,
    );
    const server = await startApiServer({
      ...(connector ? { nodes: connector } : {}),
      store,
      hostname: config.hostname,
      port: config.port,
      cert: pki.serverCert,
      key: pki.serverKey,
      token: pki.adminToken,
      log,
      ...(config.eventTtlSeconds !== undefined ? { eventTtlSeconds: config.eventTtlSeconds } : {}),
      defaultTolerations: {
        ...(config.nodeLifecycle?.defaultTolerationSeconds !== undefined
          ? { unreachableSeconds: config.nodeLifecycle.defaultTolerationSeconds }
          : {}),
        ...(config.nodeLifecycle?.defaultNotReadyTolerationSeconds !== undefined
          ? { notReadySeconds: config.nodeLifecycle.defaultNotReadyTolerationSeconds }
          : {}),
      },
      ...(config.advertiseAddress ? { advertiseAddress: config.advertiseAddress } : {}),
      serviceAccounts: {
        issuer: tokenIssuer,
        mountToken: config.serviceAccountTokenVolume ?? true,
      },
    });
    const unreachable = config.nodeListen
      ? inClusterReachProblem(config.hostname, config.advertiseAddress)
      : undefined;
    if (unreachable) log(`rks: warning: ${unreachable}`);
    const kubeconfig = renderKubeconfig({
      server: clientUrl(config.hostname, server.port),
      caCert: pki.caCert,
      token: pki.adminToken,
    });
    const kubeconfigPath = join(config.dataDir, "admin.kubeconfig");
    await Deno.writeTextFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
    if (config.kubeconfigOut) {
      await Deno.writeTextFile(config.kubeconfigOut, kubeconfig, { mode: 0o600 });
    }
    let scheduler: Scheduler | undefined;
    let controllers: ControllerManager | undefined;
    const electors: LeaderElector[] = [];
    const clients: KubeClient[] = [];
    const client = (fieldManager: string) => {
      const kube = new KubeClient(
        new ApiClient({
          server: clientUrl(config.hostname, server.port),
          caCert: pki.caCert,
          token: pki.adminToken,
        }, { loopback: server.loopback }),
        { fieldManager },
      );
      clients.push(kube);
      return kube;
    };
    // One informer per resource for the scheduler and the controllers (each pod and node
    // change sent, decoded and cached once, not once per component). An informer starts with
    // the first component that uses it and runs until rks stops, also while another rks leads.
    const informers = new SharedInformerFactory(client("rks-informers"), {
      onError: (resource, e) =>
        log(`rks: watch ${resource} failed, re-listing: ${e instanceof Error ? e.message : e}`),
    });
    const le = config.leaderElection ?? DEFAULT_LEADER_ELECTION;
    const identity = le.leaderElect ? await leaderIdentity(config.dataDir) : "";
    /**
     * Runs a component: at once without leader election, else while this rks holds the
     * component's Lease (a lost Lease stops it; a regained one starts a fresh one).
     */
    const run = async (
      lease: string,
      kube: KubeClient,
      start: () => Promise<void>,
      stop: () => Promise<void>,
    ) => {
      if (!le.leaderElect) return await start();
      const elector = new LeaderElector(kube, {
        name: lease,
        namespace: le.resourceNamespace,
        identity,
        leaseDurationSeconds: le.leaseDurationSeconds,
        renewDeadlineSeconds: le.renewDeadlineSeconds,
        retryPeriodSeconds: le.retryPeriodSeconds,
        log,
      });
      electors.push(elector);
      elector.start({ onStartedLeading: start, onStoppedLeading: stop });
    };
    const stopAll = async () => {
      await Promise.all(electors.map((e) => e.stop()));
      await controllers?.close();
      controllers = undefined;
      await scheduler?.stop();
      scheduler = undefined;
      await informers.stop();
      for (const c of clients) c.close();
    };
    try {
      if (config.runScheduler !== false) {
        const kube = client("kube-scheduler");
        await run("kube-scheduler", kube, async () => {
          const s = new Scheduler(kube, {
            ...(config.scheduler ? { config: config.scheduler } : {}),
            ...(identity ? { identity } : {}),
            log,
            informers,
          });
          await s.start();
          scheduler = s;
          log(`rks: scheduler ${s.profile.schedulerName} running`);
        }, async () => {
          const s = scheduler;
          scheduler = undefined;
          await s?.stop();
        });
      }
      if (config.controllers !== false) {
        const kube = client("kube-controller-manager");
        await run("kube-controller-manager", kube, async () => {
          controllers = await startControllerManager({
            kube,
            log,
            ...(config.networkConfig ? { networkConfig: config.networkConfig } : {}),
            ...(config.nodeLifecycle ? { nodeLifecycle: config.nodeLifecycle } : {}),
            ...(config.podGc ? { podGc: config.podGc } : {}),
            rootCaCert: pki.caCert,
            serviceAccounts: true,
            serviceAccountTokenSigner: tokenIssuer,
            informers,
          });
          log(
            "rks: controllers running (replicaset, deployment, node lifecycle, endpoints, podgc, root-ca-cert-publisher, serviceaccount, serviceaccount-token)",
          );
        }, async () => {
          const c = controllers;
          controllers = undefined;
          await c?.close();
        });
      }
    } catch (err) {
      await stopAll();
      await server.close();
      throw err;
    }
    let nodes: NodeGateway | undefined;
    if (config.nodeListen) {
      const { startNodeGateway, ApiRelay, nodeAddressFile } = await import(
        "../node_gateway/mod.ts"
      );
      try {
        nodes = await startNodeGateway({
          ...config.nodeListen,
          caCert: pki.caCert,
          cert: pki.serverCert,
          key: pki.serverKey,
          api: new ApiRelay({
            server: clientUrl(config.hostname, server.port),
            caCert: pki.caCert,
            token: pki.adminToken,
          }),
          log,
        });
      } catch (err) {
        await server.close();
        throw err;
      }
      if (connector) connector.gateway = nodes;
      const host = config.nodeListen.hostname === "0.0.0.0" || config.nodeListen.hostname === ""
        ? config.advertiseAddress ?? "127.0.0.1"
        : config.nodeListen.hostname;
      const address = `${host.includes(":") ? `[${host}]` : host}:${nodes.port}`;
      await Deno.writeTextFile(nodeAddressFile(config.dataDir), `${address}\n`);
      log(`rks: listening for nodes on ${address} (QUIC/UDP; CA discovery on TCP)`);
    }
    const s = store;
    const e = etcd;
    const g = nodes;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await stopAll();
        await g?.close();
        await server.close();
        await s.close();
        await e?.kill();
      })();
      return closing;
    };
    return {
      server,
      store,
      nodes,
      etcd,
      get scheduler() {
        return scheduler;
      },
      get leading() {
        return electors.filter((e) => e.isLeader).map((e) => e.name);
      },
      kubeconfigPath,
      kubeconfig,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await store?.close();
    await etcd?.kill();
    throw err;
  }
}

/** The admin kubeconfig of the cluster whose data directory is `dataDir` (for `rks kubeconfig`). */
export async function readKubeconfig(dataDir: string, server?: string): Promise<string> {
  const path = join(dataDir, "admin.kubeconfig");
  const text = await readTextIfExists(path);
  if (text === undefined) {
    throw new Deno.errors.NotFound(
      `No kubeconfig at ${path}: run "rks start --data-dir ${dataDir}" first`,
    );
  }
  return server ? text.replace(/^(\s*server: ).*$/m, `$1${server}`) : text;
}
