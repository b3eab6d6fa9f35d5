/**
 * The Endpoints and EndpointSlice controllers' loop: informers for Services, pods, Endpoints and
 * EndpointSlices feed a work queue of Service keys; each sync writes the Service's Endpoints
 * ({@linkcode desiredEndpointSubsets}) and EndpointSlices ({@linkcode desiredEndpointSlices})
 * when they differ (kube-controller-manager's `endpoint-controller` and
 * `endpointslice-controller`). Services without a selector are left alone.
 *
 * @module
 */
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import type { Pod } from "./_objects.ts";
import { keyOf, splitKey } from "./_executor.ts";
import { semanticJson } from "./_semantic_json.ts";
import {
  desiredEndpointSlices,
  desiredEndpointSubsets,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  type ServiceObject,
} from "./endpoints_reconcile.ts";
import { KeyedController } from "./keyed_controller.ts";

/** What the Endpoints controller runs on. */
export interface EndpointsControllerOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `services`. */
  services: SharedInformer<KubeObject>;
  /** Shared informer of `pods`. */
  pods: SharedInformer<KubeObject>;
  /** Shared informer of `endpoints`. */
  endpoints: SharedInformer<KubeObject>;
  /** Shared informer of `discovery.k8s.io/endpointslices`. */
  endpointSlices: SharedInformer<KubeObject>;
  /** Told about sync failures (the key is retried). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Keeps Endpoints and EndpointSlices of selector Services current. Register with
 * {@linkcode EndpointsController.register} before the informers start, then
 * {@linkcode EndpointsController.run} until {@linkcode EndpointsController.stop}.
 *
 * @example
 * ```ts ignore
 * const c = new EndpointsController({ kube, services, pods, endpoints, endpointSlices });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class EndpointsController extends KeyedController {
  readonly #o: EndpointsControllerOptions;

  /** Creates the controller (nothing runs yet). */
  constructor(o: EndpointsControllerOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the handlers that enqueue Service keys. */
  async register(): Promise<void> {
    const svc = (s: KubeObject) => this.queue.add(keyOf(s.metadata));
    await this.#o.services.addHandlers({ add: svc, update: svc, delete: svc });
    await this.#o.pods.addHandlers({
      add: (p) => this.#podChanged(p),
      update: (p, old) => {
        this.#podChanged(p);
        this.#podChanged(old);
      },
      delete: (p) => this.#podChanged(p),
    });
    await this.#o.endpoints.addHandlers({ update: svc, delete: svc });
    const slice = (s: KubeObject) => {
      const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) {
        this.queue.add(`${s.metadata.namespace ?? ""}/${name}`);
      }
    };
    await this.#o.endpointSlices.addHandlers({ update: slice, delete: slice });
  }

  #podChanged(p: KubeObject): void {
    for (const s of this.#o.services.byNamespace(p.metadata.namespace ?? "")) {
      const sel = (s.spec as ServiceObject["spec"])?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      if (Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v)) {
        this.queue.add(keyOf(s.metadata));
      }
    }
  }

  /** One sync of the Service `key` (`namespace/name`). */
  override async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const { kube } = this.#o;
    const obj = this.#o.services.get(ns, name);
    const managedSlices = this.#o.endpointSlices.byNamespace(ns).filter((s) =>
      s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
      s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY
    );
    if (!obj) {
      const ep = this.#o.endpoints.get(ns, name);
      if (ep && ep.metadata.labels?.["endpointslice.kubernetes.io/skip-mirror"] !== "true") {
        await ignoreNotFound(kube.delete("endpoints", ns, name));
      }
      for (const s of managedSlices) {
        await ignoreNotFound(kube.delete("discovery.k8s.io/endpointslices", ns, s.metadata.name));
      }
      return;
    }
    const svc = obj as unknown as ServiceObject;
    const pods = this.#o.pods.byNamespace(ns) as unknown as Pod[];
    const subsets = desiredEndpointSubsets(svc, pods);
    if (subsets === undefined) return;
    // Endpoints
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec?.clusterIP === "None") labels["service.kubernetes.io/headless"] = "";
    const existing = this.#o.endpoints.get(ns, name);
    const want = { labels, subsets };
    const have = existing && {
      labels: existing.metadata.labels ?? {},
      subsets: (existing.subsets ?? []) as unknown[],
    };
    if (!have || semanticJson(have) !== semanticJson(want)) {
      const body: KubeObject = {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: {
          name,
          namespace: ns,
          labels,
          ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}),
        },
        subsets,
      };
      try {
        if (existing) await kube.update("endpoints", body);
        else await kube.create("endpoints", body);
      } catch (e) {
        if (!isConflict(e) && !isAlreadyExists(e)) throw e;
        this.queue.addAfter(key, 100);
      }
    }
    // EndpointSlices
    const desired = desiredEndpointSlices(svc, pods) ?? [];
    const pool = [...managedSlices].sort((a, b) => a.metadata.name < b.metadata.name ? -1 : 1);
    for (const d of desired) {
      const portsKey = semanticJson(d.ports) ?? "";
      const i = pool.findIndex((s) => (semanticJson(s.ports) ?? "") === portsKey);
      const match = i >= 0 ? pool.splice(i, 1)[0] : pool.shift();
      if (!match) {
        await kube.create("discovery.k8s.io/endpointslices", {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          ...d,
        } as unknown as KubeObject);
        continue;
      }
      const same = semanticJson({
        labels: match.metadata.labels,
        endpoints: match.endpoints,
        ports: match.ports,
        addressType: match.addressType,
      }) === semanticJson({
        labels: d.metadata.labels,
        endpoints: d.endpoints,
        ports: d.ports,
        addressType: d.addressType,
      });
      if (same) continue;
      try {
        await kube.update("discovery.k8s.io/endpointslices", {
          ...match,
          metadata: { ...match.metadata, labels: d.metadata.labels ?? {} },
          endpoints: d.endpoints,
          ports: d.ports,
        });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
        this.queue.addAfter(key, 100);
      }
    }
    for (const s of pool) {
      await ignoreNotFound(kube.delete("discovery.k8s.io/endpointslices", ns, s.metadata.name));
    }
  }
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
