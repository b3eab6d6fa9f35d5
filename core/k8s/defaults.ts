/**
 * The Kubernetes API server's defaulting, as one pure step shared by every manifest type: the
 * single-container manifest, the pod manifest, compose-translated pods and (later) objects that
 * arrive through rk8s's API server all go through {@linkcode defaultPod} or
 * {@linkcode defaultContainer}, so a pod behaves the same wherever it came from.
 *
 * The rules are those of Kubernetes' `SetDefaults_Pod`, `SetDefaults_PodSpec`,
 * `SetDefaults_Container` and `SetDefaults_ContainerPort` (pkg/apis/core/v1/defaults.go), plus
 * the kubelet's pod hostname rule. Parsers treat a Go zero value (`""`, `0`, `null`) of a
 * non-pointer field as "not set" before calling this step, as the Go types do.
 *
 * @module
 */
import type { PortMapping } from "../network.ts";
import type {
  ContainerInput,
  PodContainerSpec,
  PodInput,
  PodManifest,
  PodResources,
  PortInput,
  ProbeInput,
  ProbeSpec,
  PullPolicy,
} from "../pod/pod_types.ts";

/** `metadata.namespace` when none is given. */
export const DEFAULT_NAMESPACE = "default";
/** `spec.restartPolicy` default. */
export const DEFAULT_RESTART_POLICY = "Always";
/** `spec.terminationGracePeriodSeconds` default, in seconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** `spec.dnsPolicy` default. */
export const DEFAULT_DNS_POLICY = "ClusterFirst";
/** `terminationMessagePath` default. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** `terminationMessagePolicy` default. */
export const DEFAULT_TERMINATION_MESSAGE_POLICY = "File";
/** Probe `periodSeconds` default, in seconds. */
export const DEFAULT_PROBE_PERIOD_SECONDS = 10;
/** Probe `timeoutSeconds` default, in seconds. */
export const DEFAULT_PROBE_TIMEOUT_SECONDS = 1;
/** Probe `successThreshold` default. */
export const DEFAULT_PROBE_SUCCESS_THRESHOLD = 1;
/** Probe `failureThreshold` default. */
export const DEFAULT_PROBE_FAILURE_THRESHOLD = 3;
/** The longest hostname the kernel and DNS accept (a DNS-1123 label). */
export const MAX_HOSTNAME_LENGTH = 63;

/**
 * The API server's `imagePullPolicy` default: `Always` when the image has no tag or the tag
 * `latest` (and no digest), else `IfNotPresent`.
 *
 * @example
 * ```ts
 * import { defaultPullPolicy } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultPullPolicy("busybox"), "Always");
 * assert.equal(defaultPullPolicy("busybox:1.36"), "IfNotPresent");
 * assert.equal(defaultPullPolicy("registry:5000/busybox"), "Always");
 * assert.equal(defaultPullPolicy("busybox@sha256:abc"), "IfNotPresent");
 * ```
 */
export function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  const tag = colon < 0 ? "" : last.slice(colon + 1);
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

/**
 * A port with its protocol defaulted to TCP (`SetDefaults_ContainerPort`).
 *
 * @example
 * ```ts
 * import { defaultPort } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(defaultPort({ containerPort: 80 }), { containerPort: 80, protocol: "TCP" });
 * ```
 */
export function defaultPort(p: PortInput): PortMapping {
  return { ...p, protocol: p.protocol ?? "TCP" };
}

/**
 * Limits and requests with every limit that has no request copied into the requests, as
 * `SetDefaults_Pod` does (so a CPU limit alone also sets the CPU shares).
 *
 * @example
 * ```ts
 * import { defaultResources } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(defaultResources({ limits: { cpu: "500m" }, requests: { memory: "1Gi" } }), {
 *   limits: { cpu: "500m" },
 *   requests: { cpu: "500m", memory: "1Gi" },
 * });
 * ```
 */
export function defaultResources(r: ContainerInput["resources"]): PodResources {
  const limits = { ...r?.limits };
  return { limits, requests: { ...limits, ...r?.requests } };
}

/**
 * A probe with the API server's defaults (`SetDefaults_Probe`): `periodSeconds` 10,
 * `timeoutSeconds` 1, `successThreshold` 1, `failureThreshold` 3, `initialDelaySeconds` 0.
 *
 * @example
 * ```ts
 * import { defaultProbe } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * const p = defaultProbe({ handler: { kind: "tcpSocket", port: 80 }, failureThreshold: 5 });
 * assert.equal(p.periodSeconds, 10);
 * assert.equal(p.timeoutSeconds, 1);
 * assert.equal(p.failureThreshold, 5);
 * ```
 */
export function defaultProbe(p: ProbeInput): ProbeSpec {
  const out: ProbeSpec = {
    handler: p.handler,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? DEFAULT_PROBE_PERIOD_SECONDS,
    timeoutSeconds: p.timeoutSeconds ?? DEFAULT_PROBE_TIMEOUT_SECONDS,
    successThreshold: p.successThreshold ?? DEFAULT_PROBE_SUCCESS_THRESHOLD,
    failureThreshold: p.failureThreshold ?? DEFAULT_PROBE_FAILURE_THRESHOLD,
  };
  if (p.terminationGracePeriodSeconds !== undefined) {
    out.terminationGracePeriodSeconds = p.terminationGracePeriodSeconds;
  }
  return out;
}

/**
 * A container with the API server's defaults: port protocols, requests from limits,
 * `imagePullPolicy`, `terminationMessagePath` and `terminationMessagePolicy`, probe timings
 * ({@linkcode defaultProbe}), empty lists.
 *
 * @example
 * ```ts
 * import { defaultContainer } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * const c = defaultContainer({ name: "app", image: "/b/busybox", ports: [{ containerPort: 80 }] });
 * assert.equal(c.ports[0]!.protocol, "TCP");
 * assert.equal(c.terminationMessagePath, "/dev/termination-log");
 * assert.equal(c.imagePullPolicy, "Always");
 * ```
 */
export function defaultContainer(c: ContainerInput): PodContainerSpec {
  const out: PodContainerSpec = {
    name: c.name,
    image: c.image,
    env: [...(c.env ?? [])],
    ports: (c.ports ?? []).map(defaultPort),
    resources: defaultResources(c.resources),
    volumeMounts: (c.volumeMounts ?? []).map((m) => ({ ...m, readOnly: m.readOnly ?? false })),
    securityContext: { ...c.securityContext },
    tty: c.tty ?? false,
    imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image),
    terminationMessagePath: c.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: c.terminationMessagePolicy ?? DEFAULT_TERMINATION_MESSAGE_POLICY,
  };
  if (c.command !== undefined) out.command = [...c.command];
  if (c.args !== undefined) out.args = [...c.args];
  if (c.workingDir !== undefined) out.workingDir = c.workingDir;
  if (c.stopSignal !== undefined) out.stopSignal = c.stopSignal;
  if (c.startupProbe !== undefined) out.startupProbe = defaultProbe(c.startupProbe);
  if (c.livenessProbe !== undefined) out.livenessProbe = defaultProbe(c.livenessProbe);
  if (c.readinessProbe !== undefined) out.readinessProbe = defaultProbe(c.readinessProbe);
  if (c.lifecycle !== undefined) out.lifecycle = { ...c.lifecycle };
  return out;
}

/**
 * The kubelet's pod hostname: `spec.hostname` when set, else the pod name; longer than 63
 * characters, it is cut to 63 and trailing `-` and `.` are removed (kubelet
 * `truncatePodHostnameIfNeeded`).
 *
 * @example
 * ```ts
 * import { podHostname } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * assert.equal(podHostname("web"), "web");
 * assert.equal(podHostname("a".repeat(62) + "-b"), "a".repeat(62));
 * assert.equal(podHostname("web", "front"), "front");
 * ```
 */
export function podHostname(name: string, specHostname?: string): string {
  const h = specHostname ?? name;
  if (h.length <= MAX_HOSTNAME_LENGTH) return h;
  return h.slice(0, MAX_HOSTNAME_LENGTH).replace(/[-.]+$/, "");
}

/**
 * A pod with the API server's defaults (`SetDefaults_PodSpec` and friends): namespace
 * `default`, restartPolicy `Always`, terminationGracePeriodSeconds 30, dnsPolicy
 * `ClusterFirst`, every container defaulted by {@linkcode defaultContainer}, and the hostname
 * the kubelet gives it ({@linkcode podHostname}). Pure: the input is not changed.
 *
 * @example
 * ```ts
 * import { defaultPod } from "./defaults.ts";
 * import assert from "node:assert/strict";
 * const pod = defaultPod({ name: "web", containers: [{ name: "app", image: "/img" }] });
 * assert.equal(pod.restartPolicy, "Always");
 * assert.equal(pod.terminationGracePeriodSeconds, 30);
 * assert.equal(pod.dnsPolicy, "ClusterFirst");
 * assert.equal(pod.namespace, "default");
 * assert.equal(pod.hostname, "web");
 * ```
 */
export function defaultPod(p: PodInput): PodManifest {
  const out: PodManifest = {
    name: p.name,
    namespace: p.namespace ?? DEFAULT_NAMESPACE,
    labels: { ...p.labels },
    annotations: { ...p.annotations },
    initContainers: (p.initContainers ?? []).map(defaultContainer),
    containers: p.containers.map(defaultContainer),
    volumes: (p.volumes ?? []).map((v) => ({ ...v })),
    restartPolicy: p.restartPolicy ?? DEFAULT_RESTART_POLICY,
    hostNetwork: p.hostNetwork ?? false,
    shareProcessNamespace: p.shareProcessNamespace ?? false,
    hostname: podHostname(p.name, p.hostname),
    terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ??
      DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    dnsPolicy: p.dnsPolicy ?? DEFAULT_DNS_POLICY,
  };
  if (p.pauseBundle !== undefined) out.pauseBundle = p.pauseBundle;
  if (p.activeDeadlineSeconds !== undefined) out.activeDeadlineSeconds = p.activeDeadlineSeconds;
  if (p.subdomain !== undefined) out.subdomain = p.subdomain;
  if (p.setHostnameAsFQDN !== undefined) out.setHostnameAsFQDN = p.setHostnameAsFQDN;
  if (p.hostAliases !== undefined) {
    out.hostAliases = p.hostAliases.map((a) => ({ ip: a.ip, hostnames: [...a.hostnames] }));
  }
  if (p.dnsConfig !== undefined) out.dnsConfig = structuredClone(p.dnsConfig);
  if (p.os !== undefined) out.os = p.os;
  if (p.securityContext !== undefined) out.securityContext = { ...p.securityContext };
  if (p.networks !== undefined) out.networks = [...p.networks];
  if (p.networkIps !== undefined) out.networkIps = { ...p.networkIps };
  return out;
}
