/**
 * `RootCaPublisher`: kube-controller-manager's root-ca-cert-publisher loop — a namespace
 * informer and an informer of the `kube-root-ca.crt` ConfigMaps feed a work queue of namespace
 * names; each sync applies {@linkcode planRootCaConfigMap}, so every namespace has the
 * ConfigMap, and a deleted or edited one is put back.
 *
 * @module
 */
import { ApiClientError } from "../apiserver/api_client.ts";
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isAlreadyExists, isConflict } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { KeyedController } from "./keyed_controller.ts";
import { planRootCaConfigMap, ROOT_CA_CONFIG_MAP_NAME } from "./root_ca_publisher_reconcile.ts";

/** What the publisher runs on. */
export interface RootCaPublisherOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `namespaces`. */
  namespaces: SharedInformer<KubeObject>;
  /** Informer of `configmaps` (it may be limited to `metadata.name=kube-root-ca.crt`). */
  configMaps: SharedInformer<KubeObject>;
  /** The cluster CA certificate (PEM), as kube-controller-manager's `--root-ca-file`. */
  rootCa: string;
  /** Told about sync failures (the namespace is retried). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Publishes the cluster CA in every namespace. Register with
 * {@linkcode RootCaPublisher.register} before the informers start, then
 * {@linkcode RootCaPublisher.run} until {@linkcode RootCaPublisher.stop}.
 *
 * @example
 * ```ts ignore
 * const p = new RootCaPublisher({ kube, namespaces, configMaps, rootCa: pki.caCert });
 * await p.register();
 * const done = p.run();
 * p.stop();
 * await done;
 * ```
 */
export class RootCaPublisher extends KeyedController {
  readonly #o: RootCaPublisherOptions;

  /** Creates the publisher (nothing runs yet). */
  constructor(o: RootCaPublisherOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the handlers: namespaces added or updated while active, the ConfigMap changed or deleted. */
  async register(): Promise<void> {
    await this.#o.namespaces.addHandlers({
      add: (ns) => this.queue.add(ns.metadata.name),
      update: (ns) => {
        const phase = (ns.status as { phase?: string } | undefined)?.phase;
        if (phase === undefined || phase === "Active") this.queue.add(ns.metadata.name);
      },
    });
    const cm = (c: KubeObject) => {
      if (c.metadata.name === ROOT_CA_CONFIG_MAP_NAME && c.metadata.namespace) {
        this.queue.add(c.metadata.namespace);
      }
    };
    await this.#o.configMaps.addHandlers({ update: cm, delete: cm });
  }

  /** One sync of namespace `key`. */
  override async sync(key: string): Promise<void> {
    const ns = this.#o.namespaces.get(undefined, key);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const current = this.#o.configMaps.get(key, ROOT_CA_CONFIG_MAP_NAME);
    const action = planRootCaConfigMap(key, current, this.#o.rootCa);
    try {
      if (action.type === "create") {
        await this.#o.kube.create("configmaps", action.configMap, { namespace: key });
      } else if (action.type === "update") {
        await this.#o.kube.update("configmaps", action.configMap);
      }
    } catch (e) {
      // As upstream: a namespace that is gone or terminating is not retried.
      if (e instanceof ApiClientError && (e.code === 404 || e.code === 403)) return;
      // The informer is behind: retry once it caught up.
      if (isConflict(e) || isAlreadyExists(e)) {
        this.queue.addAfter(key, 100);
        return;
      }
      throw e;
    }
  }
}
