/**
 * `runNodeAgent`: the cluster side of `rkl daemon --cluster`. Connects to rks
 * (`./cluster_session.ts`), registers the Node (or updates the status of an existing one),
 * renews its Lease in `kube-node-lease` every `leaseIntervalMs` (the kubelet's 10 s) and posts
 * the node status every `statusIntervalMs` (the kubelet's `nodeStatusReportFrequency`, 60 s);
 * when the connection drops it reconnects with exponential back-off (0.5 s doubling to 30 s,
 * reset after a successful registration). A refusal (CA pin mismatch, bad token, revoked
 * credential) ends it with {@linkcode ClusterAuthError}.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import {
  ClusterAuthError,
  type ClusterConnectOptions,
  type ClusterSession,
  connectCluster,
  type IncomingStream,
  type SessionResponse,
} from "./cluster_session.ts";
import {
  buildLease,
  buildNode,
  type HostFacts,
  k8sMicroTime,
  type NodeRegistration,
  nodeStatus,
} from "./node_object.ts";
import { sleep } from "./_nudge.ts";

export { ClusterAuthError };

/** Settings of {@linkcode runNodeAgent}. */
export interface NodeAgentOptions {
  /** How to reach rks. */
  connect: ClusterConnectOptions;
  /** What to register. */
  registration: NodeRegistration;
  /** Host facts. */
  facts: HostFacts;
  /** Lease renewal period, ms (default 10 000). */
  leaseIntervalMs?: number;
  /** Status report period, ms (default 60 000). */
  statusIntervalMs?: number;
  /** First reconnect delay, ms (default 500). */
  minBackoffMs?: number;
  /** Longest reconnect delay, ms (default 30 000). */
  maxBackoffMs?: number;
  /** Log sink. */
  log: (line: string) => void;
  /**
   * Served on every connection once the Node is registered (the pods bound to the node:
   * `ClusterPods.serve`); it must return when the session closes or the signal aborts.
   */
  pods?: { serve(session: ClusterSession, signal: AbortSignal): Promise<void> };
  /**
   * Served like `pods` (the node's pod network: `ClusterNetwork.serve`, which keeps routes,
   * service rules and DNS in step with the cluster).
   */
  network?: { serve(session: ClusterSession, signal: AbortSignal): Promise<void> };
  /** Serves each stream rks opens towards the node (`pods/log`); must not throw. */
  streams?: (stream: IncomingStream) => Promise<void>;
  /** Stops the agent. */
  signal: AbortSignal;
}

const NODES = "/api/v1/nodes";
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const MERGE = "application/merge-patch+json";

function failed(what: string, r: SessionResponse): Error {
  const m = isRecord(r.body) && typeof r.body.message === "string" ? r.body.message : "";
  return new Error(`${what}: HTTP ${r.status} ${m}`.trim());
}

async function register(s: ClusterSession, o: NodeAgentOptions): Promise<{ uid: string }> {
  const name = o.registration.name;
  const node = buildNode(o.registration, o.facts, new Date());
  let r = await s.request("POST", NODES, node);
  if (r.status === 409) {
    r = await s.request("GET", `${NODES}/${name}`);
    if (r.status !== 200) throw failed(`Cannot read Node "${name}"`, r);
    const prev = isRecord(r.body) && isRecord(r.body.status) &&
        Array.isArray(r.body.status.conditions)
      ? r.body.status.conditions.filter(isRecord)
      : [];
    r = await s.request(
      "PATCH",
      `${NODES}/${name}/status`,
      { status: nodeStatus(o.registration, o.facts, new Date(), prev) },
      MERGE,
    );
    if (r.status !== 200) throw failed(`Cannot update the status of Node "${name}"`, r);
    o.log(`node agent: node "${name}" already registered; status updated`);
  } else if (r.status !== 201 && r.status !== 200) {
    throw failed(`Cannot register Node "${name}"`, r);
  } else {
    o.log(`node agent: registered node "${name}"`);
  }
  const meta = isRecord(r.body) && isRecord(r.body.metadata) ? r.body.metadata : {};
  return { uid: typeof meta.uid === "string" ? meta.uid : "" };
}

async function renewLease(s: ClusterSession, o: NodeAgentOptions, uid: string): Promise<void> {
  const name = o.registration.name;
  const now = new Date();
  let r = await s.request(
    "PATCH",
    `${LEASES}/${name}`,
    { spec: { holderIdentity: name, renewTime: k8sMicroTime(now) } },
    MERGE,
  );
  if (r.status === 404) r = await s.request("POST", LEASES, buildLease(name, uid, now));
  if (r.status >= 300) throw failed(`Cannot renew Lease "${name}"`, r);
}

async function postStatus(s: ClusterSession, o: NodeAgentOptions): Promise<void> {
  const name = o.registration.name;
  const r0 = await s.request("GET", `${NODES}/${name}`);
  const prev = isRecord(r0.body) && isRecord(r0.body.status) &&
      Array.isArray(r0.body.status.conditions)
    ? r0.body.status.conditions.filter(isRecord)
    : [];
  const r = await s.request(
    "PATCH",
    `${NODES}/${name}/status`,
    { status: nodeStatus(o.registration, o.facts, new Date(), prev) },
    MERGE,
  );
  if (r.status !== 200) throw failed(`Cannot update the status of Node "${name}"`, r);
}

/**
 * Runs until `o.signal` aborts (resolves) or rks refuses the node (rejects with
 * {@linkcode ClusterAuthError}). Connection and API errors are logged and retried.
 *
 * @example
 * ```ts ignore
 * const ac = new AbortController();
 * await runNodeAgent({ connect, registration, facts, log: console.error, signal: ac.signal });
 * ```
 */
export async function runNodeAgent(o: NodeAgentOptions): Promise<void> {
  const minBackoff = o.minBackoffMs ?? 500;
  const maxBackoff = o.maxBackoffMs ?? 30_000;
  const leaseMs = o.leaseIntervalMs ?? 10_000;
  const statusMs = o.statusIntervalMs ?? 60_000;
  let backoff = minBackoff;
  while (!o.signal.aborted) {
    let s: ClusterSession | undefined;
    try {
      s = await connectCluster(o.connect);
      o.log(`node agent: connected to rks at ${o.connect.address} as "${s.nodeName}"`);
      const { uid } = await register(s, o);
      await renewLease(s, o, uid);
      backoff = minBackoff;
      let lastStatus = Date.now();
      // One abort for the whole connection: racing every renewal's sleep against the
      // connection's long-lived `closed` promise would leave one reaction on it per renewal.
      const gone = new AbortController();
      const abort = () => gone.abort();
      s.closed.then(abort, abort);
      const wake = AbortSignal.any([o.signal, gone.signal]);
      const podsStop = new AbortController();
      const stopPods = () => podsStop.abort();
      o.signal.addEventListener("abort", stopPods, { once: true });
      const pods = Promise.all([
        o.pods?.serve(s, podsStop.signal),
        o.network?.serve(s, podsStop.signal),
      ]);
      if (o.streams) {
        const serve = o.streams;
        const session = s;
        void (async () => {
          try {
            for await (const stream of session.incoming()) void serve(stream);
          } catch { /* the connection closed */ }
        })();
      }
      try {
        while (!o.signal.aborted) {
          await sleep(leaseMs, wake);
          if (gone.signal.aborted || o.signal.aborted) break;
          await renewLease(s, o, uid);
          if (Date.now() - lastStatus >= statusMs) {
            await postStatus(s, o);
            lastStatus = Date.now();
          }
        }
      } finally {
        o.signal.removeEventListener("abort", stopPods);
        podsStop.abort();
        await pods;
      }
      if (!o.signal.aborted) o.log(`node agent: connection to rks closed; reconnecting`);
    } catch (e) {
      if (e instanceof ClusterAuthError) {
        s?.close();
        throw e;
      }
      o.log(
        `node agent: ${e instanceof Error ? e.message : String(e)}; retrying in ${backoff} ms`,
      );
    } finally {
      s?.close();
    }
    if (o.signal.aborted) break;
    await sleep(backoff, o.signal);
    backoff = Math.min(maxBackoff, backoff * 2);
  }
}
