/**
 * The parts of `v1 Pod` and `v1 Node` the scheduler reads, typed as the Kubernetes API
 * defines them (field names and enums from `k8s.io/api/core/v1`).
 *
 * @module
 */
import type { KubeObject } from "../store/kube_object.ts";

/** A taint effect. */
export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

/** `v1.Taint` on `node.spec.taints`. */
export interface Taint {
  /** Taint key. */
  key: string;
  /** Taint value (may be empty). */
  value?: string;
  /** Effect. */
  effect: TaintEffect;
}

/** `v1.Toleration` on `pod.spec.tolerations`. */
export interface Toleration {
  /** Empty with `Exists` tolerates every taint. */
  key?: string;
  /** `Equal` (default) or `Exists`. */
  operator?: "Equal" | "Exists";
  /** Compared with `Equal`. */
  value?: string;
  /** Empty tolerates every effect. */
  effect?: TaintEffect | "";
  /** For `NoExecute`: how long the pod stays bound after the taint appears (seconds). */
  tolerationSeconds?: number;
}

/** `v1.NodeSelectorRequirement`. */
export interface NodeSelectorRequirement {
  /** Label key (or `metadata.name` in `matchFields`). */
  key: string;
  /** Operator; `Gt`/`Lt` compare one integer value with the label parsed as an integer. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  /** Values. */
  values?: string[];
}

/** `v1.NodeSelectorTerm`: every requirement must hold; an empty term matches no node. */
export interface NodeSelectorTerm {
  /** On node labels. */
  matchExpressions?: NodeSelectorRequirement[];
  /** On node fields (only `metadata.name`). */
  matchFields?: NodeSelectorRequirement[];
}

/** `v1.PreferredSchedulingTerm`. */
export interface PreferredSchedulingTerm {
  /** 1–100. */
  weight: number;
  /** The term. */
  preference: NodeSelectorTerm;
}

/** `v1.PodAffinityTerm`. */
export interface PodAffinityTerm {
  /** Pods to match (`null`/absent matches none, `{}` matches all). */
  labelSelector?: Record<string, unknown> | null;
  /** Namespaces to search (default: the pod's own). */
  namespaces?: string[];
  /** Namespaces by label (`{}` = every namespace). */
  namespaceSelector?: Record<string, unknown> | null;
  /** Node label whose value is the topology domain (`kubernetes.io/hostname`, `topology.kubernetes.io/zone`). */
  topologyKey: string;
}

/** `v1.WeightedPodAffinityTerm`. */
export interface WeightedPodAffinityTerm {
  /** 1–100. */
  weight: number;
  /** The term. */
  podAffinityTerm: PodAffinityTerm;
}

/** `v1.Affinity`. */
export interface Affinity {
  /** Node affinity. */
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
  /** Pod affinity. */
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
  /** Pod anti-affinity. */
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
}

/** `v1.TopologySpreadConstraint`. */
export interface TopologySpreadConstraint {
  /** Largest allowed difference between domains' matching-pod counts (≥ 1). */
  maxSkew: number;
  /** Node label that defines domains. */
  topologyKey: string;
  /** `DoNotSchedule` (a filter) or `ScheduleAnyway` (a score). */
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  /** Pods counted (same namespace). */
  labelSelector?: Record<string, unknown> | null;
  /** With fewer eligible domains, the global minimum is taken as 0. */
  minDomains?: number;
  /** `Honor` (default): only nodes matching the pod's node affinity/selector count. */
  nodeAffinityPolicy?: "Honor" | "Ignore";
  /** `Ignore` (default) or `Honor`: whether tainted nodes count. */
  nodeTaintsPolicy?: "Honor" | "Ignore";
}

/** `v1.ContainerPort`. */
export interface ContainerPort {
  /** Port in the container. */
  containerPort: number;
  /** Port on the node (0/absent: none). */
  hostPort?: number;
  /** Host IP the host port binds (default all). */
  hostIP?: string;
  /** `TCP` (default), `UDP`, `SCTP`. */
  protocol?: string;
}

/** The parts of `v1.Container` the scheduler reads. */
export interface ContainerLike {
  /** Name. */
  name?: string;
  /** `resources.requests` / `limits` as Kubernetes quantities. */
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
  /** Ports. */
  ports?: ContainerPort[];
  /** `Always` on an init container makes it a sidecar (restartable init container). */
  restartPolicy?: string;
}

/** The parts of `v1.PodSpec` the scheduler reads. */
export interface PodSpecLike {
  /** Set once bound. */
  nodeName?: string;
  /** `default-scheduler` when absent. */
  schedulerName?: string;
  /** Required node labels. */
  nodeSelector?: Record<string, string>;
  /** Affinity. */
  affinity?: Affinity;
  /** Tolerations. */
  tolerations?: Toleration[];
  /** Spread constraints. */
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** App containers. */
  containers?: ContainerLike[];
  /** Init containers. */
  initContainers?: ContainerLike[];
  /** Resources the pod's runtime uses on top of its containers'. */
  overhead?: Record<string, string | number>;
  /** Priority (higher first); the API sets it from `priorityClassName`. */
  priority?: number;
  /** `PreemptLowerPriority` (default) or `Never`. */
  preemptionPolicy?: string;
  /** While non-empty, the pod is not scheduled. */
  schedulingGates?: { name: string }[];
}

/** A pod as the scheduler sees it. */
export interface Pod extends KubeObject {
  /** Spec. */
  spec?: PodSpecLike;
  /** Status. */
  status?: { phase?: string; conditions?: Record<string, unknown>[]; [f: string]: unknown };
}

/** A node as the scheduler sees it. */
export interface Node extends KubeObject {
  /** Spec. */
  spec?: { unschedulable?: boolean; taints?: Taint[]; [f: string]: unknown };
  /** Status: `allocatable` (else `capacity`) as quantities. */
  status?: {
    allocatable?: Record<string, string | number>;
    capacity?: Record<string, string | number>;
    [f: string]: unknown;
  };
}
