/**
 * `PriorityAdmission`: kube-apiserver's `Priority` admission plugin and the PriorityClass
 * storage rules around it.
 *
 * - A new pod gets `spec.priority` (and `spec.preemptionPolicy`) from its
 *   `spec.priorityClassName`; without one, from the `globalDefault` class (its name is set
 *   too), else priority 0 and `PreemptLowerPriority`. An unknown class, or a `priority` /
 *   `preemptionPolicy` in the pod that differs from the class's, is 403 Forbidden.
 * - An updated pod keeps the priority and policy it was admitted with.
 * - Only one PriorityClass may be `globalDefault` (403 Forbidden).
 * - `system-node-critical` and `system-cluster-critical` are created at start-up and cannot be
 *   deleted (403 Forbidden).
 *
 * Classes are read from the PriorityClass watch cache (kube-apiserver reads an informer), and
 * from the store when the cache does not hold a name yet.
 *
 * Source: plugin/pkg/admission/priority/admission.go; pkg/registry/scheduling/priorityclass.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { systemPriorityClasses } from "../api/priority_classes.ts";
import { type ApiResource, findResource } from "../api/resources.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import type { RestStorage } from "./rest_storage.ts";
import type { WatchCache } from "./watch_cache.ts";

/** The PriorityClass resource. */
export const priorityClassResource: ApiResource = findResource(
  "scheduling.k8s.io",
  "v1",
  "priorityclasses",
)!;

const PODS = { group: "", resource: "pods" };
const CLASSES = { group: "scheduling.k8s.io", resource: "priorityclasses" };

/** The Priority admission plugin over the PriorityClass storage and watch cache. */
export class PriorityAdmission {
  readonly #classes: RestStorage;
  readonly #cache: WatchCache;

  /** Creates the plugin; call {@linkcode PriorityAdmission.bootstrap} before serving. */
  constructor(classes: RestStorage, cache: WatchCache) {
    this.#classes = classes;
    this.#cache = cache;
  }

  /** Creates the system classes that are missing and starts following the classes. */
  async bootstrap(): Promise<void> {
    for (const c of systemPriorityClasses) {
      if (await this.#classes.find(undefined, c.name)) continue;
      try {
        await this.#classes.create(undefined, {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: c.name },
          value: c.value,
          description: c.description,
        });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    await this.#cache.start();
  }

  async #find(name: string): Promise<ApiObject | undefined> {
    return this.#cache.peek(`/registry/priorityclasses/${name}`) ??
      await this.#classes.find(undefined, name);
  }

  async #globalDefault(): Promise<ApiObject | undefined> {
    // As upstream: with more than one default (a race), the lowest value wins.
    let best: ApiObject | undefined;
    const all = this.#cache.peekAll() ?? (await this.#classes.list(undefined)).items;
    for (const c of all) {
      if (c.globalDefault !== true) continue;
      if (!best || Number(c.value) < Number(best.value)) best = c;
    }
    return best;
  }

  /**
   * Admits a pod: on create (`old` undefined) resolves its priority, on update keeps the old
   * one. Mutates `pod`. Throws 403 as described in the module doc.
   */
  async admitPod(pod: ApiObject, old?: ApiObject): Promise<void> {
    if (!isRecord(pod.spec)) pod.spec = {};
    const spec = pod.spec as Record<string, unknown>;
    if (old !== undefined) {
      const was = isRecord(old.spec) ? old.spec : {};
      if (spec.priority === undefined && was.priority !== undefined) spec.priority = was.priority;
      if (spec.preemptionPolicy === undefined && was.preemptionPolicy !== undefined) {
        spec.preemptionPolicy = was.preemptionPolicy;
      }
      return;
    }
    const name = String(pod.metadata.name ?? "");
    let priority = 0;
    let policy: unknown = "PreemptLowerPriority";
    const className = spec.priorityClassName;
    if (typeof className !== "string" || className === "") {
      const d = await this.#globalDefault();
      if (d) {
        spec.priorityClassName = d.metadata.name;
        priority = Number(d.value);
        policy = d.preemptionPolicy;
      }
    } else {
      const pc = await this.#find(className);
      if (!pc) {
        throw ApiError.forbidden(PODS, name, `no PriorityClass with name ${className} was found`);
      }
      priority = Number(pc.value);
      policy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
      throw ApiError.forbidden(
        PODS,
        name,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    spec.priority = priority;
    if (typeof policy === "string") {
      const given = spec.preemptionPolicy;
      if (given !== undefined && given !== null && given !== policy) {
        throw ApiError.forbidden(
          PODS,
          name,
          `the string value of PreemptionPolicy (${given}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        );
      }
      spec.preemptionPolicy = policy;
    }
  }

  /** Admits a created or updated PriorityClass: only one may be `globalDefault`. */
  async admitPriorityClass(pc: ApiObject, update: boolean): Promise<void> {
    if (pc.globalDefault !== true) return;
    const d = await this.#globalDefault();
    if (d && (!update || d.metadata.name !== pc.metadata.name)) {
      throw ApiError.forbidden(
        CLASSES,
        String(pc.metadata.name ?? ""),
        `PriorityClass ${d.metadata.name} is already marked as default. Only one default can exist`,
      );
    }
  }

  /** Refuses to delete a system class (403). */
  checkDelete(name: string): void {
    if (systemPriorityClasses.some((c) => c.name === name)) {
      throw ApiError.forbidden(
        CLASSES,
        name,
        "this is a system priority class and cannot be deleted",
      );
    }
  }
}
