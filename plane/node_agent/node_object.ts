/**
 * The Node and Lease objects a node agent registers and renews, built as the kubelet builds
 * them (https://kubernetes.io/docs/reference/node/node-status/): labels
 * `kubernetes.io/hostname`, `kubernetes.io/os`, `kubernetes.io/arch`; capacity and allocatable
 * `cpu` (cores), `memory` (bytes, written in Ki as the kubelet does) and `pods` (110), allocatable
 * less `--system-reserved`/`--kube-reserved`; the
 * kubelet's condition types, reasons and messages; a Lease in `kube-node-lease` named after the
 * node with `leaseDurationSeconds` 40. Pure.
 *
 * @module
 */
import { cpuMillis, memoryBytes } from "../../core/quantity.ts";
import { KUBE_GIT_VERSION } from "../kube_version.ts";

/** Facts about the host, as `readHostFacts` reads them. */
export interface HostFacts {
  /** Host name (lower case). */
  hostname: string;
  /** CPU cores. */
  cpuCores: number;
  /** Physical memory, bytes. */
  memoryBytes: number;
  /** Kernel release (`uname -r`). */
  kernelVersion: string;
  /** OS image (PRETTY_NAME of /etc/os-release). */
  osImage: string;
  /** `linux`. */
  operatingSystem: string;
  /** GOARCH-style architecture (`amd64`, `arm64`). */
  architecture: string;
  /** `/etc/machine-id`, or empty. */
  machineID: string;
  /** Boot id; empty (Deno reads `/proc/sys` only with `--allow-all`). */
  bootID: string;
  /** Runtime as `<name>://<version>`, e.g. `runc://1.1.12`. */
  containerRuntimeVersion: string;
}

/** A taint (`key=value:Effect`). */
export interface Taint {
  /** Key. */
  key: string;
  /** Value (may be empty). */
  value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** What {@linkcode buildNode} needs besides the host facts. */
export interface NodeRegistration {
  /** Node name. */
  name: string;
  /** The node's InternalIP. */
  internalIP: string;
  /** Extra labels (`--node-labels`). */
  labels: Record<string, string>;
  /** Taints to register with (`--register-with-taints`). */
  taints: Taint[];
  /** Max pods (default 110, the kubelet's). */
  maxPods?: number;
  /** Resources held back from pods (`--system-reserved` plus `--kube-reserved`). */
  reserved?: ReservedResources;
}

/** Resources a node keeps for itself: `allocatable = capacity - reserved` (never below 0). */
export interface ReservedResources {
  /** CPU, millicores. */
  cpuMillis: number;
  /** Memory, bytes. */
  memoryBytes: number;
}

/** The kubelet's default `--max-pods`. */
export const DEFAULT_MAX_PODS = 110;

/** The Lease duration the kubelet uses, seconds. */
export const NODE_LEASE_DURATION_SECONDS = 40;

/** A `metav1.Time`: RFC 3339 with second precision. */
export function k8sTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A `metav1.MicroTime`: RFC 3339 with microseconds. */
export function k8sMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * The node conditions a healthy node reports, with the kubelet's reasons and messages;
 * `lastTransitionTime` is kept from `previous` when the status did not change.
 *
 * @example
 * ```ts
 * import { nodeConditions } from "./node_object.ts";
 * import assert from "node:assert/strict";
 * const c = nodeConditions(new Date("2030-01-01T00:00:00Z"));
 * const ready = c.find((x) => x.type === "Ready")!;
 * assert.equal(ready.status, "True");
 * assert.equal(ready.reason, "KubeletReady");
 * ```
 */
export function nodeConditions(
  now: Date,
  previous: readonly Record<string, unknown>[] = [],
): {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}[] {
  const t = k8sTime(now);
  const rows: [string, string, string, string][] = [
    [
      "MemoryPressure",
      "False",
      "KubeletHasSufficientMemory",
      "kubelet has sufficient memory available",
    ],
    ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
    ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
    ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
  ];
  return rows.map(([type, status, reason, message]) => {
    const before = previous.find((p) => p.type === type);
    const kept = before?.status === status && typeof before.lastTransitionTime === "string"
      ? before.lastTransitionTime
      : t;
    return { type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: kept };
  });
}

/**
 * The Node to register.
 *
 * @example
 * ```ts
 * import { buildNode } from "./node_object.ts";
 * import assert from "node:assert/strict";
 * const facts = { hostname: "h", cpuCores: 2, memoryBytes: 4 * 1024 ** 3, kernelVersion: "6.1.0",
 *   osImage: "Debian", operatingSystem: "linux", architecture: "amd64", machineID: "", bootID: "",
 *   containerRuntimeVersion: "runc://1.1.12" };
 * const n = buildNode({ name: "n1", internalIP: "10.0.0.5", labels: { zone: "a" }, taints: [] }, facts, new Date(0));
 * assert.equal(n.metadata.labels["kubernetes.io/hostname"], "n1");
 * assert.deepEqual(n.status.capacity, { cpu: "2", memory: "4194304Ki", pods: "110" });
 * ```
 */
export function buildNode(
  r: NodeRegistration,
  facts: HostFacts,
  now: Date,
): {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; labels: Record<string, string> };
  spec: { taints?: Taint[] };
  status: Record<string, unknown> & { capacity: Record<string, string> };
} {
  const resources = {
    cpu: String(facts.cpuCores),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(r.maxPods ?? DEFAULT_MAX_PODS),
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: r.name,
      labels: {
        "kubernetes.io/hostname": r.name,
        "kubernetes.io/os": facts.operatingSystem,
        "kubernetes.io/arch": facts.architecture,
        "beta.kubernetes.io/os": facts.operatingSystem,
        "beta.kubernetes.io/arch": facts.architecture,
        ...r.labels,
      },
    },
    spec: r.taints.length ? { taints: r.taints } : {},
    status: nodeStatus(r, facts, now, [], resources),
  };
}

/** The `status` of the Node (also sent on every status update). */
export function nodeStatus(
  r: NodeRegistration,
  facts: HostFacts,
  now: Date,
  previousConditions: readonly Record<string, unknown>[] = [],
  resources: Record<string, string> = {
    cpu: String(facts.cpuCores),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(r.maxPods ?? DEFAULT_MAX_PODS),
  },
): Record<string, unknown> & { capacity: Record<string, string> } {
  return {
    capacity: resources,
    allocatable: allocatable(resources, facts, r.reserved),
    conditions: nodeConditions(now, previousConditions),
    addresses: [
      { type: "InternalIP", address: r.internalIP },
      { type: "Hostname", address: facts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.machineID,
      bootID: facts.bootID,
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: facts.containerRuntimeVersion,
      // The Kubernetes version rks serves (kubectl's VERSION column; no skew with /version).
      kubeletVersion: KUBE_GIT_VERSION,
      kubeProxyVersion: "",
      operatingSystem: facts.operatingSystem,
      architecture: facts.architecture,
    },
  };
}

/**
 * The node's Lease in `kube-node-lease`, renewed at `now`.
 *
 * @example
 * ```ts
 * import { buildLease } from "./node_object.ts";
 * import assert from "node:assert/strict";
 * const l = buildLease("n1", "uid-1", new Date("2030-01-01T00:00:00Z"));
 * assert.equal(l.spec.renewTime, "2030-01-01T00:00:00.000000Z");
 * assert.equal(l.metadata.ownerReferences[0]!.kind, "Node");
 * ```
 */
export function buildLease(node: string, nodeUid: string, now: Date): {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: {
    name: string;
    namespace: "kube-node-lease";
    ownerReferences: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
} {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: node,
      namespace: "kube-node-lease",
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node, uid: nodeUid }],
    },
    spec: {
      holderIdentity: node,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: k8sMicroTime(now),
    },
  };
}

/**
 * Node allocatable as the kubelet computes it from capacity and its reservations
 * (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/): cpu and
 * memory minus `--kube-reserved` and `--system-reserved`, floored at 0; pods unchanged. rk8s does
 * no kubelet eviction, so no hard-eviction threshold is subtracted.
 */
function allocatable(
  resources: Record<string, string>,
  facts: HostFacts,
  reserved: ReservedResources | undefined,
): Record<string, string> {
  if (!reserved) return { ...resources };
  const cpu = Math.max(0, facts.cpuCores * 1000 - reserved.cpuMillis);
  const memory = Math.max(0, facts.memoryBytes - reserved.memoryBytes);
  return {
    ...resources,
    cpu: cpu % 1000 === 0 ? String(cpu / 1000) : `${cpu}m`,
    memory: `${Math.floor(memory / 1024)}Ki`,
  };
}

/**
 * Parses a reservation flag of the kubelet (`--system-reserved`, `--kube-reserved`):
 * `cpu=100m,memory=256Mi`, quantities as Kubernetes writes them. `ephemeral-storage` and `pid`,
 * which the kubelet also takes, are refused: rk8s accounts for neither. Throws `TypeError` naming
 * the flag and the bad item.
 *
 * @example
 * ```ts
 * import { parseReserved } from "./node_object.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseReserved("cpu=250m,memory=1Gi", "--system-reserved"),
 *   { cpuMillis: 250, memoryBytes: 1024 ** 3 });
 * assert.throws(() => parseReserved("gpu=1", "--kube-reserved"), /--kube-reserved: "gpu=1"/);
 * ```
 */
export function parseReserved(text: string | undefined, flag: string): ReservedResources {
  const out: ReservedResources = { cpuMillis: 0, memoryBytes: 0 };
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq) : "";
    const value = item.slice(eq + 1);
    try {
      if (key === "cpu") out.cpuMillis = cpuMillis(value);
      else if (key === "memory") out.memoryBytes = memoryBytes(value);
      else throw new TypeError("expected cpu=QUANTITY or memory=QUANTITY");
    } catch (e) {
      throw new TypeError(`${flag}: "${item}": ${e instanceof Error ? e.message : e}`);
    }
  }
  return out;
}

/**
 * Parses `--node-labels` (`k=v,k2=v2`) and `--register-with-taints` (`k=v:Effect,k:Effect`) as
 * the kubelet does. Throws `TypeError` naming the bad item.
 *
 * @example
 * ```ts
 * import { parseNodeLabels, parseTaints } from "./node_object.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseNodeLabels("zone=a,disk=ssd"), { zone: "a", disk: "ssd" });
 * assert.deepEqual(parseTaints("gpu=yes:NoSchedule"), [{ key: "gpu", value: "yes", effect: "NoSchedule" }]);
 * assert.throws(() => parseTaints("gpu=yes:Never"), /effect/);
 * ```
 */
export function parseNodeLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const key = eq >= 0 ? item.slice(0, eq) : "";
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key)) {
      throw new TypeError(`--node-labels: invalid label "${item}": expected key=value`);
    }
    out[key] = item.slice(eq + 1);
  }
  return out;
}

/** Parses `--register-with-taints`; see {@linkcode parseNodeLabels}. */
export function parseTaints(text: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=:]+)(?:=([^:]*))?:(.*)$/.exec(item);
    const effect = m?.[3];
    if (
      !m || (effect !== "NoSchedule" && effect !== "PreferNoSchedule" && effect !== "NoExecute")
    ) {
      throw new TypeError(
        `--register-with-taints: invalid taint "${item}": expected key[=value]:effect with effect NoSchedule, PreferNoSchedule or NoExecute`,
      );
    }
    out.push({ key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect });
  }
  return out;
}
