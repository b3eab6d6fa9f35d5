/**
 * `ServiceAccountsController`: kube-controller-manager's `serviceaccount-controller`
 * (pkg/controller/serviceaccount/serviceaccounts_controller.go) — every active namespace has the
 * `default` ServiceAccount; one deleted is created again. (rks's API server also creates it with
 * the namespace; pods cannot be created without it.)
 *
 * @module
 */
import { ApiClientError } from "../apiserver/api_client.ts";
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isAlreadyExists } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { KeyedController } from "./keyed_controller.ts";

/** The service accounts every namespace gets (upstream's `ServiceAccountsControllerOptions`). */
export const ENSURED_SERVICE_ACCOUNTS: readonly string[] = ["default"];

/** What the controller runs on. */
export interface ServiceAccountsControllerOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `namespaces`. */
  namespaces: SharedInformer<KubeObject>;
  /** Informer of `serviceaccounts` (it may be limited to `metadata.name=default`). */
  serviceAccounts: SharedInformer<KubeObject>;
  /** Told about sync failures (the namespace is retried). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Creates the missing `default` ServiceAccount of each active namespace. Register with
 * {@linkcode ServiceAccountsController.register} before the informers start, then
 * {@linkcode ServiceAccountsController.run} until {@linkcode ServiceAccountsController.stop}.
 *
 * @example
 * ```ts ignore
 * const c = new ServiceAccountsController({ kube, namespaces, serviceAccounts });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class ServiceAccountsController extends KeyedController {
  readonly #o: ServiceAccountsControllerOptions;

  /** Creates the controller (nothing runs yet). */
  constructor(o: ServiceAccountsControllerOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the handlers: namespaces added or updated, an ensured account deleted. */
  async register(): Promise<void> {
    const ns = (n: KubeObject) => this.queue.add(n.metadata.name);
    await this.#o.namespaces.addHandlers({ add: ns, update: ns });
    await this.#o.serviceAccounts.addHandlers({
      delete: (sa) => {
        if (ENSURED_SERVICE_ACCOUNTS.includes(sa.metadata.name) && sa.metadata.namespace) {
          this.queue.add(sa.metadata.namespace);
        }
      },
    });
  }

  /** One sync of namespace `key`. */
  override async sync(key: string): Promise<void> {
    const ns = this.#o.namespaces.get(undefined, key);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const phase = (ns.status as { phase?: string } | undefined)?.phase;
    if (phase !== undefined && phase !== "Active") return;
    for (const name of ENSURED_SERVICE_ACCOUNTS) {
      if (this.#o.serviceAccounts.get(key, name)) continue;
      try {
        await this.#o.kube.create("serviceaccounts", {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name, namespace: key },
        }, { namespace: key });
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        // As upstream: a namespace being terminated (403) or gone (404) is skipped.
        if (e instanceof ApiClientError && (e.code === 403 || e.code === 404)) return;
        throw e;
      }
    }
  }
}
