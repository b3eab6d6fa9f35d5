/**
 * Kubernetes-style pods on one host: a sandbox (pause process holding the network, IPC and UTS
 * namespaces, and PID with `shareProcessNamespace`) plus init and app containers that join it,
 * driven through a CRI RuntimeService-shaped API.
 *
 * Files:
 * - `pod_manifest.ts` — the `v1 Pod` subset: {@linkcode parsePodManifest}, {@linkcode loadPodManifest}
 *   (types in `pod_types.ts`, containers in `pod_manifest_container.ts`, pod-level fields and
 *   checks in `pod_manifest_spec.ts`; defaulting in `../k8s/defaults.ts`)
 * - `pod_security.ts` — {@linkcode effectiveSecurity}: pod-level securityContext under the container's
 * - `pod_dns.ts` — dnsPolicy/dnsConfig → the pod's resolv.conf ({@linkcode sandboxDnsConfig},
 *   {@linkcode renderPodResolvConf})
 * - `pod_translate.ts` — manifest → CRI configs ({@linkcode sandboxConfig}, {@linkcode containerConfig},
 *   {@linkcode planVolumes}; {@linkcode podLimits} is re-exported from `../cgroup/pod_limits.ts`)
 * - `pod_status.ts` — closed status unions, guards, {@linkcode summarizePod} (kubectl columns)
 * - `pod_planner.ts` — the pure {@linkcode planPod}(shape, observed, options) → actions
 * - `pod_runner.ts` — the executor: {@linkcode runPod}, {@linkcode createPod}, {@linkcode startPod};
 *   `pod_run_aborted.ts` — {@linkcode PodRunAborted}, the reason a supervisor aborts `runPod` with
 * - `pod_remove.ts` — {@linkcode removePod} (`rkl pod rm`): the {@linkcode canRemovePod} guard,
 *   then {@linkcode teardownSandbox}
 * - sandbox operations, one CRI call per file (like containerd's `podsandbox/sandbox_*.go`):
 *   `sandbox_run.ts` ({@linkcode runPodSandbox}, {@linkcode createPodSandbox}),
 *   `sandbox_stop.ts` ({@linkcode stopPodSandbox}), `sandbox_remove.ts`
 *   ({@linkcode removePodSandbox}, {@linkcode teardownSandbox}), `sandbox_status.ts`
 *   ({@linkcode podSandboxStatus}, {@linkcode sandboxState}), `sandbox_list.ts`
 *   ({@linkcode listPodSandbox}); `sandbox.ts` holds what they share (options, ids, names)
 * - `pod_containers.ts` — CreateContainer ... ExecSync on the container engine
 * - `runtime_service.ts` — {@linkcode PodRuntimeService} implementing {@linkcode RuntimeService}
 * - `pod_view.ts` — {@linkcode listPods}, {@linkcode podView} for `rkl pod list|state`
 * - `pause_image.ts` — the built-in pause image ({@linkcode ensurePauseBundle})
 * - `pod_volumes.ts`, `pod_store.ts` — volumes, records; pod cgroup limits are `../cgroup/`
 * - `pod_namespaces.ts` — the pod's IPC and UTS namespaces pinned at files
 *   ({@linkcode pinNamespaces}), so its containers are created alongside the pause container
 *
 * @example
 * ```ts ignore
 * import { loadPodManifest, runPod, podView, removePodSandbox } from "./mod.ts";
 * const { pod } = await loadPodManifest("pod.yaml", { baseDir: Deno.cwd() });
 * const { sandbox, failure } = await runPod(engine, pod);
 * console.log((await podView(engine, pod.name)).status);
 * await removePodSandbox(engine, sandbox.id);
 * ```
 *
 * @module
 */
export * from "./cri_types.ts";
export * from "./pod_manifest.ts";
export * from "./pod_manifest_spec.ts";
export * from "./pod_security.ts";
export * from "./pod_translate.ts";
export * from "./pod_dns.ts";
export * from "./pod_status.ts";
export * from "./pod_planner.ts";
export * from "./pod_runner.ts";
export * from "./pod_run_aborted.ts";
export * from "./pod_remove.ts";
export * from "./sandbox.ts";
export * from "./sandbox_run.ts";
export * from "./sandbox_stop.ts";
export * from "./sandbox_remove.ts";
export * from "./sandbox_status.ts";
export * from "./sandbox_list.ts";
export * from "./pod_containers.ts";
export * from "./runtime_service.ts";
export * from "./pod_view.ts";
export * from "./pause_image.ts";
export { applyPodLimits, type CgroupWrite, podCgroupWrites } from "../cgroup/mod.ts";
export * from "./pod_volumes.ts";
export * from "./pod_namespaces.ts";
export * from "./pod_store.ts";
export * from "./container_facts.ts";
export * from "./probe_spec.ts";
