/**
 * {@linkcode ClusterPods}: the cluster as a source of pods for the node's reconcile loop, and
 * the node's writer of pod status — the kubelet's apiserver config source plus its status
 * manager, over the QUIC session to rks.
 *
 * - **Watch.** Lists the pods bound to this node (`fieldSelector=spec.nodeName=<node>`, the only
 *   pod read rks allows a node), then watches from the list's resourceVersion. A watch that ends
 *   (rks ended it, the connection dropped) resumes from the last resourceVersion seen, also on a
 *   new connection: nothing is re-listed or re-created; only a 410 Gone re-lists.
 * - **Desired pods.** Each pod parses like a static pod (`./cluster_pod_manifest.ts`); the
 *   daemon creates it with its uid, adopts it when it already runs (a restarted daemon), and
 *   replaces it when the uid changed. Until the first list succeeded (rks unreachable since the
 *   daemon started) the pods this node already runs stay desired as they are.
 * - **Status.** After every relist the status of each pod is rebuilt
 *   (`./pod_status_report.ts`) and written through the status subresource only when it
 *   changed (JSON patch `replace /status`). A pod the node cannot run gets the kubelet's waiting
 *   reason and a Warning event.
 * - **Deletion.** A pod with a `deletionTimestamp` is stopped within its grace period by the
 *   daemon; once its sandbox is gone the node deletes the object with grace 0 and a uid
 *   precondition (the kubelet's final delete).
 * - **Mirror pods.** Each static pod the node runs gets a mirror pod in the API
 *   (`./mirror_pods.ts`): created, re-created after an API delete, replaced when its manifest
 *   changed, deleted when its static pod is gone; its status is written like a cluster pod's.
 *   Mirror pods are never run as cluster pods. The static pods themselves run on the node's
 *   cluster network with the cluster DNS, as the kubelet runs them ({@linkcode
 *   ClusterPods.staticPod}), so the mirror pod's `podIP` is in the node's podCIDR.
 * - **Events.** The daemon's events about cluster pods are written as core/v1 Events (source
 *   `kubelet`, the node as host), at most {@linkcode MAX_PENDING_EVENTS} kept while disconnected.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import {
  type ClusterPodNetwork,
  staticPodOnClusterNetwork,
  withClusterNetworking,
} from "./cluster_pod_network.ts";
import type { DesiredPodSource } from "../../core/daemon/daemon.ts";
import type { NodeEvent } from "../../core/daemon/events.ts";
import type { NodeObservation, ObservedPodDetail } from "../../core/daemon/observe.ts";
import { join } from "../../core/path.ts";
import { writeProjectedFiles } from "../../core/pod/projected_files.ts";
import { podObjectRefs } from "../node_gateway/pod_object_refs.ts";
import { configObjectKey, ConfigObjects } from "./config_objects.ts";
import { type ConfigSources, resolvePodConfig } from "./pod_config_resolve.ts";
import type { DesiredPod } from "../../core/daemon/pod_sync_planner.ts";
import type { PodManifest, PodVolume } from "../../core/pod/pod_types.ts";
import type { ClusterSession } from "./cluster_session.ts";
import {
  apiPodRef,
  desiredFromApiPod,
  type ParsedApiPod,
  type PodProblem,
} from "./cluster_pod_manifest.ts";
import { buildPodStatus, containerStarted, statusText } from "./pod_status_report.ts";
import { Nudge, sleep } from "./_nudge.ts";
import { LatestWrites } from "./_latest_writes.ts";
import {
  isMirrorPod,
  mirrorPodObject,
  planMirrorPods,
  staticPodFile,
  type StaticPodInfo,
} from "./mirror_pods.ts";

/** Most events kept for rks while it cannot be reached (older ones are dropped). */
export const MAX_PENDING_EVENTS = 500;

/** Settings of {@linkcode ClusterPods}. */
export interface ClusterPodsOptions {
  /** This node's name. */
  nodeName: string;
  /** This node's address (`status.hostIP`). */
  hostIP: string;
  /** Runtime name for `containerID` (`<runtime>://<id>`). */
  runtime: string;
  /** Log sink. */
  log: (line: string) => void;
  /** Image check (default: the image directory must hold `rootfs/`). */
  checkImage?: (path: string) => string | undefined;
  /**
   * Where image references (`busybox:1.36`) are looked up as bundle directories
   * (`rkl daemon --image-dir`; see `imageBundleCandidates`). Unset: images are paths only.
   */
  imageDir?: string;
  /** Longest time between two status passes, ms (default 5000). */
  reportIntervalMs?: number;
  /**
   * Pod status writes in flight at most, each for another pod (default 8); a pod's own writes
   * never overlap, and only the newest of its statuses waiting is written.
   */
  statusWrites?: number;
  /**
   * The node's cluster network (`ClusterNetwork.podNetwork`): pods join it and get the
   * cluster DNS; while it returns `undefined` (no podCIDR yet) no new pod is started.
   */
  podNetwork?: () => ClusterPodNetwork | undefined;
  /**
   * Every Service (for the pods' service environment variables) and this node's
   * `status.allocatable` (for `resourceFieldRef` of limits not set); default none.
   */
  clusterObjects?: () => {
    services: readonly unknown[] | undefined;
    allocatable: Record<string, string>;
  };
  /**
   * A count bumped whenever the Services change: a pod's environment resolved before is then
   * resolved again (for the next container start). Default: never.
   */
  servicesChanges?: () => number;
}

type Obj = Record<string, unknown>;
type ProjectedVolume = Extract<PodVolume, { kind: "projected" }>;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rvOf(obj: unknown): string | undefined {
  return isRecord(obj) && isRecord(obj.metadata) && typeof obj.metadata.resourceVersion === "string"
    ? obj.metadata.resourceVersion
    : undefined;
}

function newer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  try {
    return BigInt(a) > BigInt(b);
  } catch {
    return a !== b;
  }
}

function phaseOf(pod: Obj): string {
  return isRecord(pod.status) && typeof pod.status.phase === "string" ? pod.status.phase : "";
}

/** The pods bound to this node, as a source for the daemon and a status writer. */
export class ClusterPods implements DesiredPodSource {
  readonly #o: ClusterPodsOptions;
  readonly #path: string;
  /** API pods by `namespace/name`. */
  readonly #pods = new Map<string, Obj>();
  #rv: string | undefined;
  #synced = false;
  readonly #parsed = new Map<
    string,
    { spec: string; result: ReturnType<typeof desiredFromApiPod>; at: number }
  >();
  /** Containers of running pods whose env cannot be resolved, by pod key (see `#signature`). */
  readonly #configErrors = new Map<
    string,
    { sig: string; errors: Record<string, string> | undefined }
  >();
  /**
   * Each pod's last parsed manifest (`desiredFromApiPod`'s memo): a pod is parsed again only
   * when its own resolved manifest changed, not whenever any referenced object or token did.
   */
  readonly #manifests = new Map<string, ParsedApiPod>();
  /** Creation failures the daemon reported, by pod key (until a sandbox exists). */
  readonly #createFailures = new Map<string, PodProblem>();
  /** Problems already reported as events (`uid|message`). */
  readonly #reported = new Set<string>();
  /** Status writes by uid: several pods at once, each pod's in order (newest wins). */
  readonly #writes: LatestWrites<{ status: Obj; text: string }>;
  /** The uid, spec, labels and annotations of each API pod as JSON (see `#parse`). */
  readonly #specTexts = new WeakMap<Obj, string>();
  /**
   * What each pod's status was last built from, by uid: a pass skips a pod whose API object,
   * relist detail and problem are the same objects as then (its status would be the same).
   */
  readonly #built = new Map<
    string,
    {
      pod: Obj;
      detail: ObservedPodDetail | undefined;
      problem: PodProblem | undefined;
      text: string;
    }
  >();
  /** `statusText` of each API pod's status (API pods are replaced, never changed in place). */
  readonly #apiStatusTexts = new WeakMap<Obj, string>();
  /** A status write threw and none succeeded since (its error was logged). */
  #writeFailing = false;
  /** Final deletes sent, by uid → when. */
  readonly #deleted = new Map<string, number>();
  #events: Obj[] = [];
  #eventSeq = 0;
  #obs: NodeObservation | undefined;
  /** This node's uid (the mirror pods' owner), read once per connection. */
  #nodeUid: string | undefined;
  /** Mirror pods whose creation was sent, by key → when (not sent again for 10 s). */
  readonly #mirrorSent = new Map<string, number>();
  /** Mirror pod conflicts already logged. */
  readonly #mirrorConflicts = new Set<string>();
  /** Static pods logged as waiting for the cluster network. */
  readonly #staticWaiting = new Set<string>();
  #wakeDaemon: () => void = () => {};
  #newPods: (() => void) | undefined;
  /** Wakes the status loop at once (a pod changed). */
  readonly #reportNudge = new Nudge();
  /** The ConfigMaps, Secrets and tokens the pods refer to. */
  readonly #config: ConfigObjects;
  /** Bumped whenever a referenced object or token changed (re-resolves waiting pods). */
  #configGen = 0;
  /** The files last written into each API volume of a running pod, by `uid/volume`. */
  readonly #volumeFiles = new Map<string, string>();
  /** What the volumes of a running pod were last checked against, by uid. */
  readonly #volumeChecked = new Map<string, string>();

  /** Creates the source (nothing is read until {@linkcode ClusterPods.serve}). */
  constructor(o: ClusterPodsOptions) {
    this.#o = o;
    this.#writes = new LatestWrites(o.statusWrites ?? 8, (_uid, e) => {
      // Once until a write succeeds again (a dropped connection fails every write queued).
      if (this.#writeFailing) return;
      this.#writeFailing = true;
      this.#o.log(`node agent: pod status: ${errorText(e)}`);
    });
    this.#path = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${o.nodeName}`)}`;
    this.#config = new ConfigObjects({
      log: o.log,
      onChange: () => {
        this.#configGen++;
        this.#changed();
      },
    });
  }

  /** Where to signal that the desired pods changed (the daemon's `wake`). */
  set onChange(wake: () => void) {
    this.#wakeDaemon = wake;
  }

  /**
   * Where to signal that pods were bound to this node and nothing else changed (the daemon's
   * `createNew`: created at once, without a relist first); default: {@linkcode
   * ClusterPods.onChange}'s.
   */
  set onNew(create: () => void) {
    this.#newPods = create;
  }

  /** True once the pods bound to this node were listed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch resumes from. */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  #changed(): void {
    this.#wantConfig();
    this.#wakeDaemon();
    this.#nudge();
  }

  /** Watches what the pods refer to, and nothing else. */
  #wantConfig(): void {
    const keys = new Set<string>();
    const uids = new Set<string>();
    for (const pod of this.#pods.values()) {
      if (isMirrorPod(pod)) continue;
      const refs = podObjectRefs(pod);
      for (const n of refs.configMaps) keys.add(configObjectKey("configmaps", refs.namespace, n));
      for (const n of refs.secrets) keys.add(configObjectKey("secrets", refs.namespace, n));
      const uid = apiPodRef(pod)?.uid;
      if (uid) uids.add(uid);
    }
    this.#config.want(keys);
    this.#config.keepTokens(uids);
    for (const uid of this.#volumeChecked.keys()) {
      if (!uids.has(uid)) this.#volumeChecked.delete(uid);
    }
    for (const id of this.#volumeFiles.keys()) {
      if (!uids.has(id.slice(0, id.indexOf("/")))) this.#volumeFiles.delete(id);
    }
  }

  /** What a pod's configuration is resolved from (see `./pod_config_resolve.ts`). */
  #sources(pod: Obj): ConfigSources {
    const cluster = this.#o.clusterObjects?.();
    const meta = isRecord(pod.metadata) ? pod.metadata : {};
    return {
      object: (kind, ns, name) => this.#config.object(kind, ns, name),
      services: cluster ? cluster.services : [],
      allocatable: cluster?.allocatable ?? {},
      hostIP: this.#o.hostIP,
      token: (serviceAccount, audience, expirationSeconds) =>
        this.#config.token({
          namespace: typeof meta.namespace === "string" && meta.namespace
            ? meta.namespace
            : "default",
          pod: String(meta.name),
          uid: String(meta.uid),
          serviceAccount,
          audience,
          expirationSeconds,
        }),
    };
  }

  #nudge(): void {
    this.#reportNudge.kick();
  }

  /** What a pod's resolution depends on: the pod, the config objects, the Services. */
  #signature(pod: Obj): string {
    // The pod's own part is computed once per pod object (API pods are replaced, never changed
    // in place; the daemon asks for every pod at every sync and status pass).
    let own = this.#specTexts.get(pod);
    if (own === undefined) {
      own = JSON.stringify([rvUid(pod), pod.spec, labelsOf(pod)]);
      this.#specTexts.set(pod, own);
    }
    return `${own}|${this.#configGen}|${this.#o.servicesChanges?.() ?? 0}`;
  }

  /**
   * The containers of a running pod whose environment cannot be resolved now (a ConfigMap or
   * Secret key their `env` needs is gone, or the object is), with the kubelet's message
   * (`couldn't find key K in ConfigMap NS/NAME`): each container is resolved on its own, as the
   * kubelet does at each container start. `undefined` when the pod resolves.
   */
  #containerConfigErrors(key: string, pod: Obj): Record<string, string> | undefined {
    const sig = this.#signature(pod);
    const cached = this.#configErrors.get(key);
    if (cached?.sig === sig) return cached.errors;
    const r = this.#parse(key, pod);
    let errors: Record<string, string> | undefined;
    if ("problem" in r && r.problem.reason === "CreateContainerConfigError") {
      const spec = isRecord(pod.spec) ? pod.spec : {};
      const sources = this.#sources(pod);
      const found: Record<string, string> = {};
      for (const field of ["initContainers", "containers"]) {
        const list = Array.isArray(spec[field]) ? spec[field] as unknown[] : [];
        for (const c of list) {
          if (!isRecord(c) || typeof c.name !== "string") continue;
          const one = resolvePodConfig({
            ...pod,
            spec: { ...spec, initContainers: [], containers: [c], volumes: [] },
          }, sources);
          if ("problem" in one) found[c.name] = one.problem.message;
        }
      }
      if (Object.keys(found).length > 0) errors = found;
    }
    this.#configErrors.set(key, { sig, errors });
    return errors;
  }

  #parse(key: string, pod: Obj): ReturnType<typeof desiredFromApiPod> {
    const spec = this.#signature(pod);
    const cached = this.#parsed.get(key);
    // A pod the node could not run is checked again after a while (an image directory may have
    // appeared since), as the kubelet retries an image pull.
    if (cached?.spec === spec && ("desired" in cached.result || Date.now() < cached.at + 10_000)) {
      return cached.result;
    }
    let result: ReturnType<typeof desiredFromApiPod>;
    try {
      result = desiredFromApiPod(pod, {
        ...(this.#o.checkImage ? { checkImage: this.#o.checkImage } : {}),
        ...(this.#o.imageDir !== undefined ? { imageDir: this.#o.imageDir } : {}),
        config: this.#sources(pod),
        memo: this.#manifests,
      });
    } catch (e) {
      result = { problem: { reason: "CreateContainerConfigError", message: errorText(e) } };
    }
    // A pod that waits (for an object, a token, the Services) is resolved again next time.
    if (!("waiting" in result)) this.#parsed.set(key, { spec, result, at: Date.now() });
    return result;
  }

  /** The daemon's question: which cluster pods should run now (see the module doc). */
  desired(obs: NodeObservation, _now: number): DesiredPod[] {
    const out: DesiredPod[] = [];
    const net = this.#o.podNetwork?.();
    if (!this.#synced || (this.#o.podNetwork && !net)) {
      for (const d of obs.pods.values()) {
        if (d.pod.source !== "api" || !d.record.manifest) continue;
        out.push({
          key: d.pod.key,
          manifest: d.record.manifest,
          hash: d.pod.hash ?? "",
          source: "api",
          uid: d.record.uid,
        });
      }
      return out;
    }
    for (const [key, pod] of this.#pods) {
      if (isMirrorPod(pod)) continue;
      const ref = apiPodRef(pod);
      if (!ref) continue;
      const have = obs.pods.get(key);
      if (ref.deletionGraceSeconds !== undefined) {
        const manifest = have?.record.manifest;
        if (manifest && have.pod.source === "api") {
          out.push({
            key,
            manifest,
            hash: ref.uid,
            source: "api",
            uid: ref.uid,
            deletion: { graceSeconds: ref.deletionGraceSeconds },
          });
        }
        continue;
      }
      const phase = phaseOf(pod);
      // A finished pod is never run again (the kubelet's rule); its stopped sandbox stays.
      if ((phase === "Succeeded" || phase === "Failed") && have?.record.uid !== ref.uid) continue;
      // A pod that runs keeps its sandbox and its running containers' environment; a container
      // (re)started in it gets the environment resolved now, as the kubelet resolves it at each
      // container start. Its API volumes follow their objects (#syncVolumes).
      // Its active deadline is the API pod's (`activeDeadlineSeconds` may be set or lowered on a
      // running pod), counted from its `status.startTime`.
      if (have?.record.uid === ref.uid && have.pod.source === "api" && have.record.manifest) {
        const blocked = this.#containerConfigErrors(key, pod);
        const manifest = this.#withCurrentEnv(key, pod, have.record.manifest);
        const spec = isRecord(pod.spec) ? pod.spec : {};
        const status = isRecord(pod.status) ? pod.status : {};
        const ads = spec.activeDeadlineSeconds;
        const start = typeof status.startTime === "string" ? Date.parse(status.startTime) : NaN;
        const withDeadline = typeof ads === "number" && ads !== manifest.activeDeadlineSeconds
          ? { ...manifest, activeDeadlineSeconds: ads }
          : manifest;
        out.push({
          key,
          manifest: withDeadline,
          hash: ref.uid,
          source: "api",
          uid: ref.uid,
          ...(blocked ? { containerConfigErrors: blocked } : {}),
          ...(Number.isFinite(start) ? { startTime: start } : {}),
        });
        continue;
      }
      const r = this.#parse(key, pod);
      if ("desired" in r) {
        out.push(
          net
            ? { ...r.desired, manifest: withClusterNetworking(r.desired.manifest, net) }
            : r.desired,
        );
      }
    }
    return out;
  }

  /**
   * `manifest` (a running pod's record) with each container's `env` resolved from the
   * ConfigMaps, Secrets and Services now (cached until one of them or the pod changes). While
   * the pod's configuration cannot be resolved, the environment it was created with is kept;
   * a container whose own `env` names a key or object that is gone is not restarted at all
   * (`#containerConfigErrors`: it waits in `CreateContainerConfigError`, as with the kubelet).
   */
  #withCurrentEnv(key: string, pod: Obj, manifest: PodManifest): PodManifest {
    const r = this.#parse(key, pod);
    if (!("desired" in r)) return manifest;
    const fresh = r.desired.manifest;
    const env = new Map(
      [...fresh.initContainers, ...fresh.containers].map((c) => [c.name, c.env]),
    );
    const same = [...manifest.initContainers, ...manifest.containers].every((c) =>
      JSON.stringify(c.env) === JSON.stringify(env.get(c.name) ?? c.env)
    );
    if (same) return manifest;
    const withEnv = (c: PodManifest["containers"][number]) => ({
      ...c,
      env: env.get(c.name) ?? c.env,
    });
    return {
      ...manifest,
      initContainers: manifest.initContainers.map(withEnv),
      containers: manifest.containers.map(withEnv),
    };
  }

  /**
   * The daemon's static pod hook (`DaemonOptions.staticPod`): a static pod on the node's
   * cluster network, or `undefined` while it waits for it (see
   * `staticPodOnClusterNetwork`); without a cluster network option, the pod as it is.
   */
  staticPod(pod: DesiredPod, obs: NodeObservation): DesiredPod | undefined {
    if (!this.#o.podNetwork) return pod;
    const have = obs.pods.get(pod.key);
    const running = have?.pod.source === "file" && have.pod.hash === pod.hash
      ? have.record.manifest
      : undefined;
    const out = staticPodOnClusterNetwork(pod, this.#o.podNetwork(), running);
    if (out) {
      this.#staticWaiting.delete(pod.key);
    } else if (!this.#staticWaiting.has(pod.key)) {
      this.#staticWaiting.add(pod.key);
      this.#o.log(
        `node agent: static pod ${pod.key} waits for the cluster network (network is not ready: the node has no podCIDR yet)`,
      );
    }
    return out;
  }

  /** The daemon's relist, after every sync: status is rebuilt from it. */
  onSync(obs: NodeObservation): void {
    this.#obs = obs;
    this.#nudge();
  }

  /** A daemon event: kept for rks when it is about a cluster pod. */
  onEvent(ev: NodeEvent): void {
    const pod = this.#pods.get(ev.object);
    if (!pod) return;
    const ref = apiPodRef(pod);
    if (!ref) return;
    if (ev.reason === "FailedCreatePodSandBox" || ev.reason === "Failed") {
      // Until a container of the pod has started (a StartError's container has).
      this.#createFailures.set(ev.object, {
        reason: "CreateContainerError",
        message: ev.message.replace(/^Error: /, ""),
      });
    }
    const message = kubeletMessage(pod, ref.uid, ev);
    if (message === undefined) return;
    this.#queueEvent(pod, ref.uid, ev.type, ev.reason, message, ev.container, ev.at);
    this.#nudge();
  }

  #queueEvent(
    pod: Obj,
    uid: string,
    type: string,
    reason: string,
    message: string,
    container: string | undefined,
    at: number,
  ): void {
    const meta = isRecord(pod.metadata) ? pod.metadata : {};
    const name = String(meta.name);
    const namespace = typeof meta.namespace === "string" ? meta.namespace : "default";
    const when = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const seq = (at * 1000 + (this.#eventSeq++ % 1000)).toString(16);
    this.#events.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${name}.${seq}`, namespace },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        namespace,
        name,
        uid,
        ...(container ? { fieldPath: `spec.${containerField(pod, container)}{${container}}` } : {}),
      },
      reason,
      message: message.slice(0, 1024),
      type,
      count: 1,
      firstTimestamp: when,
      lastTimestamp: when,
      source: { component: "kubelet", host: this.#o.nodeName },
      reportingComponent: "kubelet",
      reportingInstance: this.#o.nodeName,
    });
    if (this.#events.length > MAX_PENDING_EVENTS) {
      this.#events.splice(0, this.#events.length - MAX_PENDING_EVENTS);
    }
  }

  /**
   * Watches and writes status over `session` until it closes or `signal` aborts. Errors are
   * logged and retried; it never throws.
   */
  async serve(session: ClusterSession, signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    void session.closed.then(stop);
    this.#nodeUid = undefined;
    try {
      await Promise.all([
        this.#watchLoop(session, ac.signal),
        this.#reportLoop(session, ac.signal),
        this.#config.serve(session, ac.signal),
      ]);
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  async #list(session: ClusterSession): Promise<void> {
    const r = await session.request("GET", this.#path);
    if (r.status !== 200 || !isRecord(r.body)) {
      throw new Error(`cannot list the pods bound to this node: HTTP ${r.status}`);
    }
    const items = Array.isArray(r.body.items) ? r.body.items.filter(isRecord) : [];
    this.#pods.clear();
    this.#parsed.clear();
    this.#configErrors.clear();
    for (const p of items) {
      const ref = apiPodRef(p);
      if (ref) this.#pods.set(ref.key, { apiVersion: "v1", kind: "Pod", ...p });
    }
    this.#rv = rvOf(r.body);
    this.#synced = true;
    this.#o.log(
      `node agent: ${items.length} pod(s) bound to this node at resourceVersion ${this.#rv}`,
    );
    this.#changed();
  }

  async #watchLoop(session: ClusterSession, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let events = 0;
      try {
        if (this.#rv === undefined) await this.#list(session);
        for await (const ev of session.watch(this.#path, this.#rv, signal)) {
          events++;
          const obj = ev.object;
          if (ev.eventType === "ERROR") {
            if (obj.code === 410) {
              this.#o.log(
                `node agent: pod watch: resourceVersion ${this.#rv} is too old; listing again`,
              );
              this.#rv = undefined;
              break;
            }
            throw new Error(`pod watch: ${String(obj.message ?? JSON.stringify(obj))}`);
          }
          const rv = rvOf(obj);
          if (rv !== undefined) this.#rv = rv;
          if (ev.eventType === "BOOKMARK") continue;
          const ref = apiPodRef(obj);
          if (!ref) continue;
          if (ev.eventType === "DELETED") {
            const cur = this.#pods.get(ref.key);
            if (cur && apiPodRef(cur)?.uid === ref.uid) {
              this.#pods.delete(ref.key);
              this.#parsed.delete(ref.key);
              this.#configErrors.delete(ref.key);
            }
          } else {
            const prev = this.#pods.get(ref.key);
            const next = { apiVersion: "v1", kind: "Pod", ...obj };
            this.#pods.set(ref.key, next);
            // Only its status moved (mostly this node's own write coming back): nothing the
            // daemon plans from changed, so no sync (a relist of the node) for it.
            if (prev && plannedFrom(prev) === plannedFrom(next)) continue;
            if (!prev && this.#newPods) {
              // A pod just bound here: created without waiting for a relist.
              this.#wantConfig();
              this.#newPods();
              this.#nudge();
              continue;
            }
          }
          this.#changed();
        }
      } catch (e) {
        if (signal.aborted) return;
        this.#o.log(`node agent: ${errorText(e)}; retrying`);
        await sleep(1000, signal);
        continue;
      }
      // rks ended the watch: resume from the last resourceVersion (no re-list, no re-create);
      // a watch that ended at once waits a moment before the next.
      if (events === 0) await sleep(500, signal);
    }
  }

  async #reportLoop(session: ClusterSession, signal: AbortSignal): Promise<void> {
    const every = this.#o.reportIntervalMs ?? 5000;
    while (!signal.aborted) {
      await this.#reportNudge.wait(every, signal);
      if (signal.aborted) return;
      try {
        await this.#report(session);
        await this.#flushEvents(session);
      } catch (e) {
        if (signal.aborted) return;
        this.#o.log(`node agent: pod status: ${errorText(e)}`);
        await sleep(1000, signal);
      }
    }
  }

  async #report(session: ClusterSession): Promise<void> {
    const obs = this.#obs;
    if (!obs || !this.#synced) return;
    await this.#syncMirrors(session, obs);
    for (const [key, pod] of [...this.#pods]) {
      const ref = apiPodRef(pod);
      if (!ref) continue;
      const [namespace, name] = key.split("/") as [string, string];
      let detail = obs.pods.get(key);
      const mirror = isMirrorPod(pod);
      if (mirror) {
        // A mirror pod shows its static pod (another uid); #syncMirrors handles its deletion.
        if (detail?.pod.source !== "file" || ref.deletionGraceSeconds !== undefined) continue;
      } else if (detail && (detail.record.uid !== ref.uid || detail.pod.source !== "api")) {
        detail = undefined;
      }
      // A failed creation may leave its sandbox (stopped, with its IP): its failure stands until
      // a container of the pod has started.
      const started = detail !== undefined && containerStarted(detail.pod.observation);
      if (started) this.#createFailures.delete(key);
      if (ref.deletionGraceSeconds !== undefined) {
        const at = this.#deleted.get(ref.uid);
        if (!detail && (at === undefined || Date.now() - at > 10_000)) {
          this.#deleted.set(ref.uid, Date.now());
          await this.#finalDelete(session, namespace, name, ref.uid);
        }
        continue;
      }
      const phase = phaseOf(pod);
      if (!detail && (phase === "Succeeded" || phase === "Failed")) continue;
      const parsed: ReturnType<typeof desiredFromApiPod> | undefined = mirror || detail
        ? undefined
        : this.#parse(key, pod);
      if (detail && !mirror) await this.#syncVolumes(pod, ref.uid, detail);
      const blocked = detail && !mirror ? this.#containerConfigErrors(key, pod) : undefined;
      for (const [container, message] of Object.entries(blocked ?? {})) {
        // The kubelet's event for each failed start: Failed, `Error: <message>`.
        if (this.#reported.has(`${ref.uid}|${container}|${message}`)) continue;
        this.#reported.add(`${ref.uid}|${container}|${message}`);
        this.#queueEvent(
          pod,
          ref.uid,
          "Warning",
          "Failed",
          `Error: ${message}`,
          container,
          Date.now(),
        );
      }
      for (const ev of parsed && "events" in parsed ? parsed.events ?? [] : []) {
        if (this.#reported.has(`${ref.uid}|${ev.message}`)) continue;
        this.#reported.add(`${ref.uid}|${ev.message}`);
        this.#queueEvent(pod, ref.uid, "Warning", ev.reason, ev.message, undefined, Date.now());
      }
      const problem = parsed && "problem" in parsed
        ? parsed.problem
        : started
        ? undefined
        : this.#createFailures.get(key);
      if (problem && !this.#reported.has(`${ref.uid}|${problem.message}`)) {
        this.#reported.add(`${ref.uid}|${problem.message}`);
        if (parsed && "problem" in parsed) {
          if (problem.reason === "ErrImageNeverPull") {
            // The kubelet's pair (image_manager.go EnsureImageExists, then startContainer).
            this.#queueEvent(
              pod,
              ref.uid,
              "Warning",
              "ErrImageNeverPull",
              problem.eventMessage ?? problem.message,
              problem.container,
              Date.now(),
            );
          }
          this.#queueEvent(
            pod,
            ref.uid,
            "Warning",
            problem.event?.reason ?? "Failed",
            problem.event?.message ??
              `Error: ${problem.reason === "ErrImageNeverPull" ? problem.reason : problem.message}`,
            problem.container,
            Date.now(),
          );
        }
      }
      // Built from the same objects as last time: the same status; nothing to do when that one
      // is queued, written or what the API holds (after a failed write it is none of these, so
      // it is built and written again).
      const prev = this.#built.get(ref.uid);
      if (prev && prev.pod === pod && prev.detail === detail && prev.problem === problem) {
        const busy = this.#writes.busy(ref.uid);
        if (
          this.#writes.latest(ref.uid)?.text === prev.text ||
          (!busy && this.#apiStatusText(pod) === prev.text)
        ) continue;
      }
      const status = buildPodStatus({
        apiPod: pod,
        ...(detail ? { detail } : {}),
        ...(problem ? { problem } : {}),
        ...(blocked ? { containerProblems: blocked } : {}),
        hostIP: this.#o.hostIP,
        runtime: this.#o.runtime,
        now: new Date(),
      });
      // A status being written or waiting is what the API will hold: compared with it, and
      // queued after it when it differs (even when it equals what the API holds now).
      const text = statusText(status);
      this.#built.set(ref.uid, { pod, detail, problem, text });
      const queued = this.#writes.busy(ref.uid) ? this.#writes.latest(ref.uid) : undefined;
      if (queued) {
        if (queued.text === text) continue;
      } else if (text === this.#apiStatusText(pod) || text === this.#writes.latest(ref.uid)?.text) {
        continue;
      }
      this.#writes.put(
        ref.uid,
        { status, text },
        (value) => this.#writeStatus(session, key, ref.uid, value.status),
      );
    }
    this.#forgetGone();
  }

  #apiStatusText(pod: Obj): string {
    let text = this.#apiStatusTexts.get(pod);
    if (text === undefined) {
      text = statusText(pod.status);
      this.#apiStatusTexts.set(pod, text);
    }
    return text;
  }

  /**
   * Writes one pod's status (JSON patch `replace /status` with a uid test); true when written.
   * A pod gone (404), replaced (409) or refused (422) is not retried until its status changes.
   */
  async #writeStatus(
    session: ClusterSession,
    key: string,
    uid: string,
    status: Obj,
  ): Promise<boolean> {
    const [namespace, name] = key.split("/") as [string, string];
    const r = await session.request(
      "PATCH",
      `/api/v1/namespaces/${namespace}/pods/${name}/status`,
      [
        { op: "test", path: "/metadata/uid", value: uid },
        { op: "replace", path: "/status", value: status },
      ],
      "application/json-patch+json",
    );
    this.#writeFailing = false;
    if (r.status === 200 && isRecord(r.body)) {
      const cur = this.#pods.get(key);
      if (cur && apiPodRef(cur)?.uid === uid && newer(rvOf(r.body), rvOf(cur))) {
        this.#pods.set(key, { apiVersion: "v1", kind: "Pod", ...r.body });
      }
      return true;
    }
    if (r.status !== 404 && r.status !== 409 && r.status !== 422) {
      const m = isRecord(r.body) && typeof r.body.message === "string" ? r.body.message : "";
      this.#o.log(`node agent: cannot write the status of pod ${key}: HTTP ${r.status} ${m}`);
    }
    return false;
  }

  /** Drops what is kept per pod for pods no longer bound to this node. */
  #forgetGone(): void {
    const uids = new Set<string>();
    for (const pod of this.#pods.values()) {
      const uid = apiPodRef(pod)?.uid;
      if (uid) uids.add(uid);
    }
    this.#writes.retain(uids);
    for (const uid of this.#built.keys()) if (!uids.has(uid)) this.#built.delete(uid);
    for (const uid of this.#deleted.keys()) if (!uids.has(uid)) this.#deleted.delete(uid);
    for (const key of this.#parsed.keys()) if (!this.#pods.has(key)) this.#parsed.delete(key);
    for (const key of this.#manifests.keys()) if (!this.#pods.has(key)) this.#manifests.delete(key);
    for (const key of this.#configErrors.keys()) {
      if (!this.#pods.has(key)) this.#configErrors.delete(key);
    }
    for (const key of this.#createFailures.keys()) {
      if (!this.#pods.has(key)) this.#createFailures.delete(key);
    }
    for (const id of this.#reported) {
      if (!uids.has(id.slice(0, id.indexOf("|")))) this.#reported.delete(id);
    }
  }

  /**
   * Brings the API volumes of a running pod up to date with their objects and the pod's
   * labels and annotations (the kubelet's periodic volume sync; a `subPath` mount keeps the
   * file it was created with, as in Kubernetes). A volume whose object is gone keeps its files.
   */
  async #syncVolumes(pod: Obj, uid: string, detail: ObservedPodDetail): Promise<void> {
    const manifest = detail.record.manifest;
    const api = manifest?.volumes.filter((v): v is ProjectedVolume => v.kind === "projected") ??
      [];
    if (api.length === 0) return;
    const mark = `${this.#configGen}|${rvOf(pod)}|${Math.floor(Date.now() / 60_000)}`;
    if (this.#volumeChecked.get(uid) === mark) return;
    // Each volume on its own, as the kubelet updates each mounted volume: a deleted ConfigMap
    // leaves its volume as it was (event FailedMount) and the others keep being updated.
    const sources = this.#sources(pod);
    const spec = isRecord(pod.spec) ? pod.spec : {};
    const specVolumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isRecord) : [];
    let complete = true;
    for (const v of api) {
      const source = specVolumes.find((s) => s.name === v.name);
      if (!source) continue;
      const r = resolvePodConfig({ ...pod, spec: { ...spec, volumes: [source] } }, sources, {
        volumesOnly: true,
      });
      if (!("pod" in r)) {
        complete = false;
        const ev = "problem" in r ? r.problem.event : undefined;
        if (ev && !this.#reported.has(`${uid}|${ev.message}`)) {
          this.#reported.add(`${uid}|${ev.message}`);
          this.#queueEvent(pod, uid, "Warning", ev.reason, ev.message, undefined, Date.now());
        }
        continue;
      }
      const files = r.volumes.get(v.name);
      if (!files) continue;
      const id = `${uid}/${v.name}`;
      const text = JSON.stringify(files);
      if ((this.#volumeFiles.get(id) ?? JSON.stringify(v.files)) === text) continue;
      try {
        const dir = join(detail.record.stateDir, "volumes", v.name);
        if (await writeProjectedFiles(dir, files)) {
          this.#o.log(`node agent: updated volume "${v.name}" of pod ${detail.pod.key}`);
        }
        this.#volumeFiles.set(id, text);
      } catch (e) {
        this.#o.log(
          `node agent: cannot update volume "${v.name}" of pod ${detail.pod.key}: ${errorText(e)}`,
        );
      }
    }
    if (complete) this.#volumeChecked.set(uid, mark);
  }

  /** Creates, replaces and deletes mirror pods (see `./mirror_pods.ts`). */
  async #syncMirrors(session: ClusterSession, obs: NodeObservation): Promise<void> {
    const statics: StaticPodInfo[] = [];
    const manifests = new Map<string, PodManifest>();
    for (const d of obs.pods.values()) {
      if (d.pod.source !== "file" || d.pod.stopped || !d.record.manifest) continue;
      statics.push({ key: d.pod.key, hash: d.pod.hash ?? "" });
      manifests.set(d.pod.key, d.record.manifest);
    }
    const now = Date.now();
    for (const [key, at] of this.#mirrorSent) {
      if (this.#pods.has(key) || now - at > 10_000) this.#mirrorSent.delete(key);
    }
    const actions = planMirrorPods(statics, this.#pods, new Set(this.#mirrorSent.keys()));
    for (const a of actions) {
      const [namespace, name] = a.key.split("/") as [string, string];
      if (a.kind === "conflict") {
        if (!this.#mirrorConflicts.has(a.key)) {
          this.#mirrorConflicts.add(a.key);
          this.#o.log(
            `node agent: static pod ${a.key}: a pod of that name that is not its mirror pod exists in the API; not replaced`,
          );
        }
        continue;
      }
      if (a.kind === "delete") {
        const r = await session.request("DELETE", `/api/v1/namespaces/${namespace}/pods/${name}`, {
          kind: "DeleteOptions",
          apiVersion: "v1",
          gracePeriodSeconds: 0,
          preconditions: { uid: a.uid },
        });
        if (r.status < 300 || r.status === 404 || r.status === 409) {
          this.#o.log(
            `node agent: deleted mirror pod ${a.key} (${
              {
                gone: "its static pod is gone",
                stale: "its static pod changed",
                deleted: "deleted through the API",
              }[a.why]
            })`,
          );
        } else {
          this.#o.log(`node agent: cannot delete mirror pod ${a.key}: HTTP ${r.status}`);
        }
        continue;
      }
      const manifest = manifests.get(a.key)!;
      const file = staticPodFile(manifest);
      let source: Obj = {};
      if (file) {
        try {
          const { parse } = await import("yaml");
          const doc = parse(await Deno.readTextFile(file));
          if (isRecord(doc)) source = doc;
        } catch (e) {
          this.#o.log(`node agent: mirror pod ${a.key}: cannot read ${file}: ${errorText(e)}`);
          continue;
        }
      }
      if (this.#nodeUid === undefined) {
        const r = await session.request("GET", `/api/v1/nodes/${this.#o.nodeName}`);
        const m = isRecord(r.body) && isRecord(r.body.metadata) ? r.body.metadata : {};
        if (r.status !== 200 || typeof m.uid !== "string") {
          throw new Error(`cannot read Node "${this.#o.nodeName}": HTTP ${r.status}`);
        }
        this.#nodeUid = m.uid;
      }
      const pod = mirrorPodObject(source, manifest, {
        name: this.#o.nodeName,
        uid: this.#nodeUid,
      });
      this.#mirrorSent.set(a.key, now);
      const r = await session.request("POST", `/api/v1/namespaces/${namespace}/pods`, pod);
      if (r.status === 201 || r.status === 200) {
        this.#o.log(`node agent: created mirror pod ${a.key}`);
      } else if (r.status !== 409) {
        const m = isRecord(r.body) && typeof r.body.message === "string" ? r.body.message : "";
        this.#o.log(`node agent: cannot create mirror pod ${a.key}: HTTP ${r.status} ${m}`);
      }
    }
  }

  async #finalDelete(
    session: ClusterSession,
    namespace: string,
    name: string,
    uid: string,
  ): Promise<void> {
    const r = await session.request(
      "DELETE",
      `/api/v1/namespaces/${namespace}/pods/${name}`,
      {
        kind: "DeleteOptions",
        apiVersion: "v1",
        gracePeriodSeconds: 0,
        preconditions: { uid },
      },
    );
    if (r.status === 200 || r.status === 202 || r.status === 404 || r.status === 409) {
      this.#o.log(`node agent: pod ${namespace}/${name} stopped; deleted its object`);
      return;
    }
    const m = isRecord(r.body) && typeof r.body.message === "string" ? r.body.message : "";
    this.#o.log(`node agent: cannot delete pod ${namespace}/${name}: HTTP ${r.status} ${m}`);
  }

  async #flushEvents(session: ClusterSession): Promise<void> {
    while (this.#events.length > 0) {
      const ev = this.#events[0]!;
      const ns = String((ev.metadata as Obj).namespace);
      const r = await session.request("POST", `/api/v1/namespaces/${ns}/events`, ev);
      if (r.status >= 500) throw new Error(`cannot write an event: HTTP ${r.status}`);
      this.#events.shift();
    }
  }
}

/**
 * What the daemon and the mirror pods are planned from in a pod (see
 * {@linkcode ClusterPods.desired}): identity, deletion, labels and annotations, spec, and
 * whether it finished; not the rest of its status.
 */
function plannedFrom(pod: Obj): string {
  const m = isRecord(pod.metadata) ? pod.metadata : {};
  const phase = phaseOf(pod);
  return JSON.stringify([
    m.uid,
    m.deletionTimestamp,
    m.deletionGracePeriodSeconds,
    m.labels,
    m.annotations,
    pod.spec,
    phase === "Succeeded" || phase === "Failed",
  ]);
}

/**
 * A daemon event's message as the kubelet words it in the API, or `undefined` for an event the
 * kubelet does not emit: `Pulled` names the image as the pod spec gives it (the node ran its
 * resolved directory), `BackOff` is `Back-off restarting failed container c in pod p_ns(uid)`
 * (kuberuntime_manager.go `doBackOff`; the node's own log keeps the delay), and the sandbox's
 * `Created` (`Created pod sandbox ...`) has no kubelet counterpart.
 */
function kubeletMessage(pod: Obj, uid: string, ev: NodeEvent): string | undefined {
  const meta = isRecord(pod.metadata) ? pod.metadata : {};
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const c = ev.container;
  if (ev.reason === "Created" && c === undefined) return undefined;
  if (ev.reason === "BackOff" && c !== undefined) {
    const ns = typeof meta.namespace === "string" ? meta.namespace : "default";
    return `Back-off restarting failed container ${c} in pod ${String(meta.name)}_${ns}(${uid})`;
  }
  if (ev.reason === "Pulled" && c !== undefined) {
    const all = [spec.initContainers, spec.containers].flatMap((l) =>
      Array.isArray(l) ? l.filter(isRecord) : []
    );
    const image = all.find((x) => x.name === c)?.image;
    if (typeof image === "string") return `Container image "${image}" already present on machine`;
  }
  return ev.message;
}

/** `initContainers` when `name` is an init container of `pod`, else `containers`. */
function containerField(pod: Obj, name: string): string {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers.filter(isRecord) : [];
  return inits.some((c) => c.name === name) ? "initContainers" : "containers";
}

function rvUid(pod: Obj): string {
  return isRecord(pod.metadata) ? String(pod.metadata.uid) : "";
}

function labelsOf(pod: Obj): unknown {
  return isRecord(pod.metadata) ? [pod.metadata.labels, pod.metadata.annotations] : undefined;
}
