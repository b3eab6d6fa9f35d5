/**
 * The few fields of Kubernetes objects the controllers read and write, typed loosely (objects
 * come from the API as JSON; unknown fields are kept untouched because the controllers copy
 * whole objects before changing them).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import {
  labelSelectorFromObject,
  matchesLabelSelector,
  SelectorError,
} from "../api/label_selector.ts";

/** `metav1.OwnerReference`. */
export interface OwnerReference {
  /** API group/version, e.g. `apps/v1`. */
  apiVersion: string;
  /** Kind, e.g. `ReplicaSet`. */
  kind: string;
  /** Object name. */
  name: string;
  /** Object UID. */
  uid: string;
  /** Whether this owner manages the object. */
  controller?: boolean;
  /** Foreground deletion of the owner waits for this object. */
  blockOwnerDeletion?: boolean;
}

/** `metav1.ObjectMeta`, the fields the workload controllers use (`name` optional: pods are created with `generateName`). */
export interface WorkloadMeta {
  /** Object name. */
  name?: string;
  /** Name prefix the API completes. */
  generateName?: string;
  /** Namespace. */
  namespace?: string;
  /** Object UID. */
  uid?: string;
  /** etcd `mod_revision` of the read. */
  resourceVersion?: string;
  /** Bumped by the API on every spec change. */
  generation?: number;
  /** RFC 3339. */
  creationTimestamp?: string;
  /** RFC 3339; set once deletion started. */
  deletionTimestamp?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Owners. */
  ownerReferences?: OwnerReference[];
  /** Finalizers. */
  finalizers?: string[];
  /** Other fields, kept as read. */
  [k: string]: unknown;
}

/** A condition as pods, ReplicaSets and Deployments carry them. */
export interface Condition {
  /** Condition type, e.g. `Ready`, `Progressing`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown" | string;
  /** CamelCase reason. */
  reason?: string;
  /** Human-readable detail. */
  message?: string;
  /** RFC 3339: when `status` last changed. */
  lastTransitionTime?: string;
  /** RFC 3339: when the condition was last updated. */
  lastUpdateTime?: string;
  /** RFC 3339. */
  lastProbeTime?: string | null;
  /** RFC 3339: the node's last heartbeat (Node conditions). */
  lastHeartbeatTime?: string;
}

/** `v1.PodTemplateSpec`. */
export interface PodTemplate {
  /** Object metadata. */
  metadata?: WorkloadMeta;
  /** Desired state. */
  spec?: Record<string, unknown>;
}

/** A Pod (the fields the controllers read). */
export interface Pod {
  /** API group/version, e.g. `apps/v1`. */
  apiVersion?: string;
  /** Kind, e.g. `ReplicaSet`. */
  kind?: string;
  /** Object metadata. */
  metadata: WorkloadMeta;
  /** Desired state. */
  spec?: { nodeName?: string; [k: string]: unknown };
  /** `True`, `False` or `Unknown`. */
  status?: {
    /** Pod phase. */
    phase?: string;
    /** Conditions. */
    conditions?: Condition[];
    /** Container statuses. */
    containerStatuses?: { restartCount?: number }[];
    /** Init container statuses. */
    initContainerStatuses?: { restartCount?: number }[];
    /** Other fields, kept as read. */
    [k: string]: unknown;
  };
}

/** An apps/v1 ReplicaSet. */
export interface ReplicaSet {
  /** API group/version, e.g. `apps/v1`. */
  apiVersion?: string;
  /** Kind, e.g. `ReplicaSet`. */
  kind?: string;
  /** Object metadata. */
  metadata: WorkloadMeta;
  /** Desired state. */
  spec: {
    /** Pod count. */
    replicas?: number;
    /** Seconds a pod must be ready to count as available. */
    minReadySeconds?: number;
    /** `metav1.LabelSelector`. */
    selector?: unknown;
    /** Pod template. */
    template?: PodTemplate;
    /** Other fields, kept as read. */
    [k: string]: unknown;
  };
  /** `True`, `False` or `Unknown`. */
  status?: ReplicaSetStatus;
}

/** `apps/v1 ReplicaSetStatus`. */
export interface ReplicaSetStatus {
  /** Pod count. */
  replicas: number;
  /** Pods carrying every template label. */
  fullyLabeledReplicas?: number;
  /** Ready pods. */
  readyReplicas?: number;
  /** Available pods (ready for minReadySeconds). */
  availableReplicas?: number;
  /** The generation this status is for. */
  observedGeneration?: number;
  /** Conditions. */
  conditions?: Condition[];
}

/** An apps/v1 Deployment. */
export interface Deployment {
  /** API group/version, e.g. `apps/v1`. */
  apiVersion?: string;
  /** Kind, e.g. `ReplicaSet`. */
  kind?: string;
  /** Object metadata. */
  metadata: WorkloadMeta;
  /** Desired state. */
  spec: {
    /** Pod count. */
    replicas?: number;
    /** `metav1.LabelSelector`. */
    selector?: unknown;
    /** Pod template. */
    template?: PodTemplate;
    /** `RollingUpdate` (default) or `Recreate` and its bounds. */
    strategy?: {
      /** Condition type, e.g. `Ready`, `Progressing`. */
      type?: "RollingUpdate" | "Recreate" | string;
      /** RollingUpdate bounds. */
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
    /** Seconds a pod must be ready to count as available. */
    minReadySeconds?: number;
    /** Old ReplicaSets to keep. */
    revisionHistoryLimit?: number;
    /** Only scaling while true. */
    paused?: boolean;
    /** Seconds without progress before `ProgressDeadlineExceeded`. */
    progressDeadlineSeconds?: number;
    /** Other fields, kept as read. */
    [k: string]: unknown;
  };
  /** `True`, `False` or `Unknown`. */
  status?: DeploymentStatus;
}

/** `apps/v1 DeploymentStatus`. */
export interface DeploymentStatus {
  /** The generation this status is for. */
  observedGeneration?: number;
  /** Pod count. */
  replicas?: number;
  /** Pods of the new ReplicaSet. */
  updatedReplicas?: number;
  /** Ready pods. */
  readyReplicas?: number;
  /** Available pods (ready for minReadySeconds). */
  availableReplicas?: number;
  /** Desired pods not available. */
  unavailableReplicas?: number;
  /** Conditions. */
  conditions?: Condition[];
  /** Hash collisions met (feeds the template hash). */
  collisionCount?: number;
}

/** A deep copy through JSON (the objects are JSON values). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The controller owner reference of `meta`, if any (`controller: true`). */
export function controllerRef(meta: WorkloadMeta): OwnerReference | undefined {
  return (meta.ownerReferences ?? []).find((r) => r.controller === true);
}

/**
 * Whether `labels` match a `metav1.LabelSelector`. As the workload controllers read selectors,
 * an empty or missing selector selects nothing, and a selector that does not parse selects
 * nothing (the API rejects both on create).
 */
export function selectorMatches(
  /** `metav1.LabelSelector`. */
  selector: unknown,
  /** Labels. */
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!isRecord(selector)) return false;
  // Parsed once per selector object: a sync matches one selector against every pod.
  let reqs = parsedSelectors.get(selector);
  if (reqs === undefined) {
    try {
      reqs = labelSelectorFromObject(selector);
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      reqs = null;
    }
    parsedSelectors.set(selector, reqs);
  }
  return reqs !== null && reqs.length > 0 && matchesLabelSelector(reqs, labels);
}

const parsedSelectors = new WeakMap<object, ReturnType<typeof labelSelectorFromObject> | null>();

/** Milliseconds since the epoch of an RFC 3339 time, or undefined when absent/invalid. */
export function timeOf(t: string | null | undefined): number | undefined {
  if (typeof t !== "string") return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** RFC 3339 with second precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The owner reference a controller puts on what it creates or adopts. */
export function ownerRefTo(
  owner: { metadata: WorkloadMeta },
  /** API group/version, e.g. `apps/v1`. */
  apiVersion: string,
  /** Kind, e.g. `ReplicaSet`. */
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    /** Object name. */
    name: owner.metadata.name ?? "",
    /** Object UID. */
    uid: owner.metadata.uid ?? "",
    /** Whether this owner manages the object. */
    controller: true,
    /** Foreground deletion of the owner waits for this object. */
    blockOwnerDeletion: true,
  };
}
