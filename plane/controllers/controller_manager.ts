/**
 * `startControllerManager`: the controllers of rks (ReplicaSet, Deployment, node lifecycle and IPAM,
 * Endpoints/EndpointSlices, pod garbage collector, root CA publisher, serviceaccount-controller) on shared
 * informers, as kube-controller-manager runs them — inside `rks start` or as `rks controllers`.
 *
 * @module
 */
import { EventRecorder } from "../client/event_recorder.ts";
import type { KubeClient } from "../client/kube_client.ts";
import { SharedInformer } from "../client/shared_informer.ts";
import type { InformerScope, SharedInformerFactory } from "../client/shared_informer_factory.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { errorMessage } from "./_executor.ts";
import { DeploymentController } from "./deployment_controller.ts";
import { ReplicaSetController } from "./replica_set_controller.ts";
import { NodeLifecycleController } from "./node_lifecycle_controller.ts";
import { EndpointsController } from "./endpoints_controller.ts";
import type { NodeLifecycleOptions } from "./node_lifecycle_reconcile.ts";
import { parseClusterCidr } from "./node_ipam_reconcile.ts";
import { PodGcController } from "./pod_gc_controller.ts";
import type { PodGcOptions } from "./pod_gc_reconcile.ts";
import { RootCaPublisher } from "./root_ca_publisher.ts";
import { ServiceAccountsController } from "./service_accounts_controller.ts";
import { ROOT_CA_CONFIG_MAP_NAME } from "./root_ca_publisher_reconcile.ts";
import { type LegacyTokenSigner, TokensController } from "./tokens_controller.ts";
import { SERVICE_ACCOUNT_TOKEN_TYPE } from "./tokens_reconcile.ts";

/** Options of {@linkcode startControllerManager}. */
export interface ControllerManagerOptions {
  /** The API client (the manager does not close it). */
  kube: KubeClient;
  /** One line per failed sync or watch (default: ignored). */
  log?: (line: string) => void;
  /** The clock (tests). */
  now?: () => Date;
  /** Node lifecycle settings (grace 40 s, default toleration 300 s, monitor period 5 s). */
  nodeLifecycle?: NodeLifecycleOptions & { monitorPeriodMs?: number };
  /** The original config's `network_config` (`Network`, `SubnetLen`) for node podCIDRs; throws
   * `ClusterCidrError` when invalid. Without `Network`, no podCIDR allocation. */
  networkConfig?: Record<string, unknown>;
  /**
   * Pod garbage collector settings (`--terminated-pod-gc-threshold` 12500, quarantine 40 s,
   * check period 20 s).
   */
  podGc?: PodGcOptions & { checkPeriodMs?: number };
  /**
   * The cluster CA (PEM), kube-controller-manager's `--root-ca-file`: with it the
   * root-ca-cert-publisher keeps the `kube-root-ca.crt` ConfigMap in every namespace.
   */
  rootCaCert?: string;
  /**
   * Run the serviceaccount-controller (the `default` ServiceAccount in every namespace, created
   * again when deleted); `rks start` and `rks controllers` do.
   */
  serviceAccounts?: boolean;
  /**
   * Signs legacy service-account tokens (kube-controller-manager's
   * `--service-account-private-key-file`): with it the tokens controller fills Secrets of type
   * `kubernetes.io/service-account-token` (with `rootCaCert` as their `ca.crt`) and deletes
   * those whose ServiceAccount is gone.
   */
  serviceAccountTokenSigner?: LegacyTokenSigner;
  /**
   * Informers shared with other components of the process (`rks start` shares them with its
   * scheduler, as one informer factory): the controllers add their handlers to the factory's
   * informers and `close()` removes them. Default: informers of their own, stopped by `close()`.
   */
  informers?: SharedInformerFactory;
}

/** Running controllers; `close()` stops them and their informers. */
export interface ControllerManager extends AsyncDisposable {
  /** The ReplicaSet controller. */
  readonly replicaSets: ReplicaSetController;
  /** The Deployment controller. */
  readonly deployments: DeploymentController;
  /** The node lifecycle (and IPAM) controller. */
  readonly nodes: NodeLifecycleController;
  /** The Endpoints and EndpointSlice controller. */
  readonly endpoints: EndpointsController;
  /** The pod garbage collector. */
  readonly podGc: PodGcController;
  /** The root CA publisher (with `rootCaCert`). */
  readonly rootCa: RootCaPublisher | undefined;
  /** The serviceaccount-controller (with `serviceAccounts`). */
  readonly serviceAccounts: ServiceAccountsController | undefined;
  /** The tokens controller (with `serviceAccountTokenSigner`). */
  readonly tokens: TokensController | undefined;
  /** Pending Event writes (tests). */
  readonly events: EventRecorder;
  /** Stops the loops and the watches. */
  close(): Promise<void>;
}

/**
 * Starts the shared informers (`pods`, `apps/replicasets`, `apps/deployments`, `nodes`,
 * `kube-node-lease` Leases, `services`, `endpoints`, `discovery.k8s.io/endpointslices`; with
 * `rootCaCert` also `namespaces` and the `kube-root-ca.crt` ConfigMaps, with `serviceAccounts`
 * the `default` ServiceAccounts, with `serviceAccountTokenSigner` the token Secrets and every
 * ServiceAccount), waits for their first list, and runs the ReplicaSet,
 * Deployment, node lifecycle (+ IPAM with `networkConfig`), Endpoints/EndpointSlice and pod GC
 * controllers (and the root CA publisher, the serviceaccount-controller, the tokens controller) until `close()`. Throws what
 * the first list throws (e.g. `ApiClientError` 401 for a bad token).
 *
 * @example
 * ```ts
 * import { startControllerManager } from "./controller_manager.ts";
 * import { KubeClient } from "../client/kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * await using cm = await startControllerManager({ kube });
 * await kube.create("apps/replicasets", {
 *   apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "default" },
 *   spec: { replicas: 2, selector: { matchLabels: { app: "web" } },
 *     template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
 * });
 * for (let i = 0; i < 300; i++) {
 *   if ((await kube.list("pods", { labelSelector: "app=web" })).items.length === 2) break;
 *   await new Promise((r) => setTimeout(r, 100));
 * }
 * assert.equal((await kube.list("pods", { labelSelector: "app=web" })).items.length, 2);
 * ```
 */
export async function startControllerManager(
  o: ControllerManagerOptions,
): Promise<ControllerManager> {
  const log = o.log ?? (() => {});
  const clusterCidr = o.networkConfig?.Network !== undefined
    ? parseClusterCidr(o.networkConfig)
    : undefined;
  const onError = (what: string) => (e: unknown) => log(`${what}: ${errorMessage(e)}`);
  const informer = (resource: string, scope: InformerScope = {}) =>
    o.informers
      ? o.informers.informer<KubeObject>(resource, scope)
      : new SharedInformer<KubeObject>(o.kube, resource, {
        ...scope,
        onError: onError(`watch ${resource}`),
      });
  const pods = informer("pods");
  const replicaSets = informer("apps/replicasets");
  const deployments = informer("apps/deployments");
  const nodeInformer = informer("nodes");
  const services = informer("services");
  const endpoints = informer("endpoints");
  const endpointSlices = informer("discovery.k8s.io/endpointslices");
  const leases = informer("coordination.k8s.io/leases", { namespace: "kube-node-lease" });
  const events = new EventRecorder(o.kube, {
    component: "kube-controller-manager",
    onError: onError("event"),
  });
  const now = o.now ? { now: o.now } : {};
  const rsc = new ReplicaSetController({
    kube: o.kube,
    replicaSets,
    pods,
    events,
    onError: (key, e) => onError(`replicaset ${key}`)(e),
    ...now,
  });
  const dc = new DeploymentController({
    kube: o.kube,
    deployments,
    replicaSets,
    pods,
    events,
    onError: (key, e) => onError(`deployment ${key}`)(e),
    ...now,
  });
  const nlc = new NodeLifecycleController({
    kube: o.kube,
    nodes: nodeInformer,
    leases,
    pods,
    events,
    onError: onError("node lifecycle"),
    ...(clusterCidr ? { clusterCidr } : {}),
    ...o.nodeLifecycle,
    ...now,
  });
  const epc = new EndpointsController({
    kube: o.kube,
    services,
    pods,
    endpoints,
    endpointSlices,
    onError: (key, e) => onError(`endpoints ${key}`)(e),
  });
  const gc = new PodGcController({
    kube: o.kube,
    pods,
    nodes: nodeInformer,
    onError: onError("pod gc"),
    log,
    ...o.podGc,
    ...now,
  });
  let rootCa: RootCaPublisher | undefined;
  let sac: ServiceAccountsController | undefined;
  const publisherInformers: SharedInformer<KubeObject>[] = [];
  const namespaces = o.rootCaCert !== undefined || o.serviceAccounts
    ? informer("namespaces")
    : undefined;
  if (namespaces) publisherInformers.push(namespaces);
  if (namespaces && o.serviceAccounts) {
    const serviceAccounts = informer("serviceaccounts", { fieldSelector: "metadata.name=default" });
    publisherInformers.push(serviceAccounts);
    sac = new ServiceAccountsController({
      kube: o.kube,
      namespaces,
      serviceAccounts,
      onError: (key, e) => onError(`serviceaccount-controller ${key}`)(e),
    });
    await sac.register();
  }
  let tokens: TokensController | undefined;
  if (o.serviceAccountTokenSigner) {
    const secrets = informer("secrets", { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` });
    const allServiceAccounts = informer("serviceaccounts");
    publisherInformers.push(secrets, allServiceAccounts);
    tokens = new TokensController({
      kube: o.kube,
      secrets,
      serviceAccounts: allServiceAccounts,
      signer: o.serviceAccountTokenSigner,
      rootCa: o.rootCaCert ?? "",
      onError: (key, e) => onError(`tokens-controller ${key}`)(e),
    });
    await tokens.register();
  }
  if (namespaces && o.rootCaCert !== undefined) {
    const configMaps = informer("configmaps", {
      fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP_NAME}`,
    });
    publisherInformers.push(configMaps);
    rootCa = new RootCaPublisher({
      kube: o.kube,
      namespaces,
      configMaps,
      rootCa: o.rootCaCert,
      onError: (key, e) => onError(`root-ca-cert-publisher ${key}`)(e),
    });
    await rootCa.register();
  }
  await rsc.register();
  await dc.register();
  await nlc.register();
  await epc.register();
  await gc.register();
  const informers = [
    ...publisherInformers,
    pods,
    replicaSets,
    deployments,
    nodeInformer,
    leases,
    services,
    endpoints,
    endpointSlices,
  ];
  try {
    for (const i of informers) await i.start();
  } catch (e) {
    for (const i of informers) await i.stop();
    throw e;
  }
  const loops = [rsc.run(), dc.run(), nlc.run(), epc.run(), gc.run()];
  if (rootCa) loops.push(rootCa.run());
  if (sac) loops.push(sac.run());
  if (tokens) loops.push(tokens.run());
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      rsc.stop();
      dc.stop();
      nlc.stop();
      epc.stop();
      gc.stop();
      rootCa?.stop();
      sac?.stop();
      tokens?.stop();
      for (const i of informers) await i.stop();
      await Promise.allSettled(loops);
      await events.flush();
    })();
  return {
    replicaSets: rsc,
    deployments: dc,
    nodes: nlc,
    endpoints: epc,
    podGc: gc,
    rootCa,
    serviceAccounts: sac,
    tokens,
    events,
    close,
    [Symbol.asyncDispose]: close,
  };
}
