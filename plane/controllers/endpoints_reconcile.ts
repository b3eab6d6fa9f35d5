/**
 * The Endpoints and EndpointSlice controllers' desired state as pure functions
 * (kube-controller-manager's `endpoint-controller` and `endpointslice-controller`, 1.32): which
 * pods back a Service with a selector, on which ports, ready or not.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { ownerRefTo, type Pod, type WorkloadMeta } from "./_objects.ts";
import { isPodReady } from "./pod_availability.ts";
import { semanticJson } from "./_semantic_json.ts";

/** A Service (the fields read here). */
export interface ServiceObject {
  /** Metadata. */
  metadata: WorkloadMeta;
  /** Spec. */
  spec?: {
    selector?: Record<string, string>;
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
    [k: string]: unknown;
  };
}

/** A port of an Endpoints subset or an EndpointSlice. */
export interface EndpointPort {
  /** The Service port's name (`""` allowed for a single port). */
  name?: string;
  /** The pod's port number. */
  port: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
}

/** A v1 Endpoints address. */
export interface EndpointAddress {
  /** Pod IP. */
  ip: string;
  /** Node of the pod. */
  nodeName?: string;
  /** The pod (kind, namespace, name, uid). */
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
  /** `spec.hostname` when the pod's subdomain is the Service. */
  hostname?: string;
}

/** A v1 Endpoints subset. */
export interface EndpointSubset {
  /** Ready addresses. */
  addresses?: EndpointAddress[];
  /** Not-ready addresses. */
  notReadyAddresses?: EndpointAddress[];
  /** Ports. */
  ports?: EndpointPort[];
}

/** One endpoint of a discovery.k8s.io/v1 EndpointSlice. */
export interface SliceEndpoint {
  /** Pod IPs. */
  addresses: string[];
  /** ready (serving and not terminating), serving (pod ready), terminating. */
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  /** Node of the pod. */
  nodeName?: string;
  /** The pod. */
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
  /** `spec.hostname` when the pod's subdomain is the Service. */
  hostname?: string;
}

/** A desired EndpointSlice (metadata without name: the API completes `generateName`). */
export interface DesiredSlice {
  /** Labels, ownerReferences, generateName. */
  metadata: WorkloadMeta;
  /** Always `IPv4` here. */
  addressType: "IPv4";
  /** Endpoints (at most 100). */
  endpoints: SliceEndpoint[];
  /** Ports. */
  ports: EndpointPort[];
}

/** Label on EndpointSlices naming their Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
/** Label on EndpointSlices naming the controller that manages them. */
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
/** The value of {@linkcode MANAGED_BY_LABEL} this controller writes. */
export const MANAGED_BY = "endpointslice-controller.k8s.io";
const MAX_ENDPOINTS_PER_SLICE = 100;

interface Backend {
  pod: Pod;
  ip: string;
  ports: EndpointPort[];
  ready: boolean;
  terminating: boolean;
}

/**
 * Pods behind `svc` and their resolved ports: pods of the Service's namespace whose labels
 * contain `spec.selector`, with a `status.podIP`, not `Succeeded`/`Failed`; `targetPort` resolved
 * by number, or by container port name (a pod without that name is left out of that port), default
 * the Service port; `terminating` pods (deletionTimestamp) are kept for EndpointSlices only.
 * Undefined for a Service without a selector (its endpoints are managed by hand).
 */
function backends(svc: ServiceObject, pods: readonly Pod[]): Backend[] | undefined {
  const sel = svc.spec?.selector;
  if (!isRecord(sel) || Object.keys(sel).length === 0) return undefined;
  const out: Backend[] = [];
  for (const pod of pods) {
    if ((pod.metadata.namespace ?? "default") !== (svc.metadata.namespace ?? "default")) continue;
    if (!Object.entries(sel).every(([k, v]) => pod.metadata.labels?.[k] === v)) continue;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (typeof ip !== "string" || ip === "" || phase === "Succeeded" || phase === "Failed") {
      continue;
    }
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolvePort(pod, sp.targetPort ?? sp.port, sp.protocol ?? "TCP");
      if (port === undefined) continue;
      ports.push({
        ...(sp.name !== undefined ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? "TCP",
      });
    }
    out.push({
      pod,
      ip,
      ports,
      ready: isPodReady(pod) || svc.spec?.publishNotReadyAddresses === true,
      terminating: pod.metadata.deletionTimestamp !== undefined,
    });
  }
  return out.sort((a, b) => a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
}

function resolvePort(pod: Pod, target: number | string, protocol: string): number | undefined {
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = (pod.spec?.containers ?? []) as {
    ports?: { name?: string; containerPort: number; protocol?: string }[];
  }[];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
    }
  }
  return undefined;
}

function targetRef(pod: Pod): EndpointAddress["targetRef"] {
  return {
    kind: "Pod",
    namespace: pod.metadata.namespace ?? "default",
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
  };
}

function hostnameFor(svc: ServiceObject, pod: Pod): string | undefined {
  const h = pod.spec?.hostname, sub = pod.spec?.subdomain;
  return typeof h === "string" && h !== "" && sub === svc.metadata.name ? h : undefined;
}

/**
 * The `subsets` of the v1 Endpoints of `svc` (named like the Service), or undefined when the
 * Service has no selector. Ready pods go to `addresses`, others to `notReadyAddresses` (all to
 * `addresses` with `publishNotReadyAddresses`); terminating pods are left out; pods with the same
 * resolved ports share a subset (upstream `RepackSubsets`), addresses sorted by IP. A headless
 * Service without ports gets its addresses with no ports.
 *
 * @example
 * ```ts
 * import { desiredEndpointSubsets } from "./endpoints_reconcile.ts";
 * import assert from "node:assert/strict";
 * const svc = { metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } };
 * const pod = { metadata: { name: "p", namespace: "default", uid: "u", labels: { app: "web" } }, spec: { nodeName: "n1" },
 *   status: { phase: "Running", podIP: "10.0.0.5", conditions: [{ type: "Ready", status: "True" }] } };
 * assert.deepEqual(desiredEndpointSubsets(svc, [pod]), [{
 *   addresses: [{ ip: "10.0.0.5", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "p", uid: "u" } }],
 *   ports: [{ port: 8080, protocol: "TCP" }],
 * }]);
 * ```
 */
export function desiredEndpointSubsets(
  svc: ServiceObject,
  pods: readonly Pod[],
): EndpointSubset[] | undefined {
  const bs = backends(svc, pods);
  if (!bs) return undefined;
  const headlessNoPorts = (svc.spec?.ports ?? []).length === 0 && svc.spec?.clusterIP === "None";
  const groups = new Map<string, EndpointSubset>();
  for (const b of bs) {
    if (b.terminating) continue;
    if (b.ports.length === 0 && !headlessNoPorts) continue;
    const key = semanticJson(b.ports) ?? "";
    let g = groups.get(key);
    if (!g) {
      g = b.ports.length > 0 ? { ports: b.ports } : {};
      groups.set(key, g);
    }
    const addr: EndpointAddress = { ip: b.ip, targetRef: targetRef(b.pod) };
    if (b.pod.spec?.nodeName) addr.nodeName = b.pod.spec.nodeName;
    const host = hostnameFor(svc, b.pod);
    if (host) addr.hostname = host;
    if (b.ready) (g.addresses ??= []).push(addr);
    else (g.notReadyAddresses ??= []).push(addr);
  }
  return [...groups.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, g]) =>
    orderSubset(g)
  );
}

function orderSubset(g: EndpointSubset): EndpointSubset {
  const out: EndpointSubset = {};
  if (g.addresses) out.addresses = g.addresses;
  if (g.notReadyAddresses) out.notReadyAddresses = g.notReadyAddresses;
  if (g.ports) out.ports = g.ports;
  return out;
}

/**
 * The EndpointSlices `svc` should have (IPv4): one per resolved port set, at most 100 endpoints
 * each, labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
 * endpointslice-controller.k8s.io` (plus the Service's labels), owned by the Service, with
 * `generateName: "<service>-"`. Conditions as upstream: `serving` = pod ready, `terminating` =
 * being deleted, `ready` = serving and not terminating (or `publishNotReadyAddresses`).
 * Undefined for a Service without a selector.
 *
 * @example
 * ```ts
 * import { desiredEndpointSlices } from "./endpoints_reconcile.ts";
 * import assert from "node:assert/strict";
 * const svc = { metadata: { name: "web", namespace: "default", uid: "s" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }] } };
 * const pod = { metadata: { name: "p", namespace: "default", uid: "u", labels: { app: "web" } }, spec: {},
 *   status: { phase: "Running", podIP: "10.0.0.5" } };
 * const [slice] = desiredEndpointSlices(svc, [pod]) ?? [];
 * assert.deepEqual(slice?.endpoints[0]?.conditions, { ready: false, serving: false, terminating: false });
 * assert.equal(slice?.metadata.labels?.["kubernetes.io/service-name"], "web");
 * ```
 */
export function desiredEndpointSlices(
  svc: ServiceObject,
  pods: readonly Pod[],
): DesiredSlice[] | undefined {
  const bs = backends(svc, pods);
  if (!bs) return undefined;
  const groups = new Map<string, { ports: EndpointPort[]; eps: SliceEndpoint[] }>();
  for (const b of bs) {
    if (!b.ip.includes(".")) continue; // IPv4 slices only
    const key = semanticJson(b.ports) ?? "";
    let g = groups.get(key);
    if (!g) groups.set(key, g = { ports: b.ports, eps: [] });
    const serving = b.ready;
    const ep: SliceEndpoint = {
      addresses: [b.ip],
      conditions: {
        ready: svc.spec?.publishNotReadyAddresses === true || (serving && !b.terminating),
        serving,
        terminating: b.terminating,
      },
      targetRef: targetRef(b.pod),
    };
    if (b.pod.spec?.nodeName) ep.nodeName = b.pod.spec.nodeName;
    const host = hostnameFor(svc, b.pod);
    if (host) ep.hostname = host;
    g.eps.push(ep);
  }
  const name = svc.metadata.name ?? "";
  const labels = {
    ...(svc.metadata.labels ?? {}),
    [SERVICE_NAME_LABEL]: name,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  const out: DesiredSlice[] = [];
  const keys = [...groups.keys()].sort();
  if (keys.length === 0) keys.push("");
  for (const k of keys) {
    const g = groups.get(k) ?? { ports: [], eps: [] };
    for (let i = 0; i === 0 || i < g.eps.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({
        metadata: {
          generateName: `${name}-`,
          namespace: svc.metadata.namespace ?? "default",
          labels,
          ownerReferences: [ownerRefTo(svc, "v1", "Service")],
        },
        addressType: "IPv4",
        endpoints: g.eps.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
        ports: g.ports,
      });
    }
  }
  return out;
}
