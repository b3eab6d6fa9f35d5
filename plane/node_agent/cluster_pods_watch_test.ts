/**
 * Unit tests of what {@linkcode ClusterPods} tells the daemon while it watches the pods bound to
 * its node (a fake session, no rks): a pod just bound asks for its creation without a relist,
 * a status-only change (the node's own write coming back) asks for nothing, a change of what the
 * daemon plans from (a deletion) asks for a sync.
 */
import assert from "node:assert/strict";
import type { NodeObservation } from "../../core/daemon/observe.ts";
import { waitFor } from "../../core/testing.ts";
import { ClusterPods } from "./cluster_pods.ts";
import type { ClusterSession, SessionResponse } from "./cluster_session.ts";
import type { EventMessage } from "../node_protocol/messages.ts";

/** A session whose pod list is empty and whose pod watch delivers what the test pushes. */
function fakeSession(): {
  session: ClusterSession;
  push: (ev: Omit<EventMessage, "type">) => void;
  requests: string[];
} {
  const queue: EventMessage[] = [];
  let wake: () => void = () => {};
  const requests: string[] = [];
  const session: ClusterSession = {
    nodeName: "n1",
    closed: new Promise(() => {}),
    request(verb, path): Promise<SessionResponse> {
      requests.push(`${verb} ${path}`);
      if (verb === "GET" && path.startsWith("/api/v1/pods?")) {
        return Promise.resolve({
          status: 200,
          body: { kind: "PodList", items: [], metadata: { resourceVersion: "1" } },
        });
      }
      return Promise.resolve({ status: 404, body: {} });
    },
    async *watch(path, _rv, signal) {
      if (!path.startsWith("/api/v1/pods?")) {
        await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
        return;
      }
      while (!signal.aborted) {
        const ev = queue.shift();
        if (ev) {
          yield ev;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          signal.addEventListener("abort", () => r(), { once: true });
        });
      }
    },
    async *incoming() {},
    close() {},
  };
  return {
    session,
    push: (ev) => {
      queue.push({ type: "event", ...ev });
      wake();
    },
    requests,
  };
}

function pod(rv: number, extra: { status?: unknown; deletion?: boolean } = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "u-1",
      resourceVersion: String(rv),
      ...(extra.deletion
        ? { deletionTimestamp: "2026-12-01T00:00:00Z", deletionGracePeriodSeconds: 30 }
        : {}),
    },
    spec: {
      nodeName: "n1",
      containers: [{ name: "app", image: "/img/busybox", command: ["sleep", "3600"] }],
    },
    status: extra.status ?? { phase: "Pending" },
  };
}

const NO_PODS: NodeObservation = { pods: new Map(), newTerminations: [], running: new Set() };

Deno.test("ClusterPods asks for a new pod's creation at once, and for no sync on a status-only change", async () => {
  const pods = new ClusterPods({
    nodeName: "n1",
    hostIP: "10.0.0.1",
    runtime: "runc",
    log: () => {},
    checkImage: () => undefined,
  });
  let changes = 0;
  let news = 0;
  pods.onChange = () => changes++;
  pods.onNew = () => news++;
  const { session, push } = fakeSession();
  const ac = new AbortController();
  const serving = pods.serve(session, ac.signal);
  try {
    await waitFor("the first list", () => pods.synced);
    assert.equal(changes, 1, "the list is a change");

    push({ eventType: "ADDED", object: pod(2) });
    await waitFor("the new pod", () => news === 1);
    assert.equal(changes, 1, "a pod just bound needs no relist first");
    assert.deepEqual(pods.desired(NO_PODS, Date.now()).map((d) => [d.key, d.uid]), [
      ["default/web", "u-1"],
    ]);

    // The node's own status write comes back: nothing to plan.
    push({ eventType: "MODIFIED", object: pod(3, { status: { phase: "Running" } }) });
    // A deletion is: the daemon must stop the pod.
    push({
      eventType: "MODIFIED",
      object: pod(4, { status: { phase: "Running" }, deletion: true }),
    });
    await waitFor("both events", () => pods.resourceVersion === "4");
    assert.equal(changes, 2, "only the deletion asked for a sync");
    assert.equal(news, 1);
  } finally {
    ac.abort();
    await serving;
  }
});

Deno.test("ClusterPods writes several pods' status at once, one write per pod at a time", async () => {
  const pods = new ClusterPods({
    nodeName: "n1",
    hostIP: "10.0.0.1",
    runtime: "runc",
    log: () => {},
    checkImage: () => undefined,
    statusWrites: 3,
  });
  const { session, push } = fakeSession();
  // Status PATCHes wait until the test lets them answer.
  const waiting: { path: string; answer: () => void }[] = [];
  const inFlight = new Map<string, number>();
  let overlapSamePod = false;
  const request = session.request;
  session.request = (verb, path, body, contentType) => {
    if (verb !== "PATCH") return request(verb, path, body, contentType);
    const n = (inFlight.get(path) ?? 0) + 1;
    if (n > 1) overlapSamePod = true;
    inFlight.set(path, n);
    return new Promise((resolve) => {
      waiting.push({
        path,
        answer: () => {
          inFlight.set(path, inFlight.get(path)! - 1);
          resolve({ status: 200, body: {} });
        },
      });
    });
  };
  const ac = new AbortController();
  const serving = pods.serve(session, ac.signal);
  try {
    await waitFor("the first list", () => pods.synced);
    for (const [i, name] of ["a", "b", "c", "d"].entries()) {
      const p = pod(2 + i);
      push({
        eventType: "ADDED",
        object: { ...p, metadata: { ...p.metadata, name, uid: `u-${name}` } },
      });
    }
    await waitFor("the four pods", () => pods.resourceVersion === "5");
    pods.onSync(NO_PODS);
    await waitFor("three status writes in flight", () => waiting.length === 3);
    // Another pass while they are in flight: nothing is written twice for a pod.
    pods.onSync(NO_PODS);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(waiting.length, 3, "the fourth pod waits for a free slot");
    waiting.shift()!.answer();
    await waitFor("the fourth pod's write", () => waiting.length === 3);
    assert.deepEqual(
      new Set(waiting.map((w) => w.path.split("/")[6])),
      new Set(["b", "c", "d"]),
    );
    for (const w of waiting.splice(0)) w.answer();
    assert.ok(!overlapSamePod, "no pod had two status writes in flight");
  } finally {
    ac.abort();
    await serving;
  }
});

Deno.test("ClusterPods writes a status again at the next pass when its write failed, and only then", async () => {
  const pods = new ClusterPods({
    nodeName: "n1",
    hostIP: "10.0.0.1",
    runtime: "runc",
    log: () => {},
    checkImage: () => undefined,
  });
  const { session, push } = fakeSession();
  const answers = [500, 200];
  const patches: number[] = [];
  const request = session.request;
  session.request = (verb, path, body, contentType) => {
    if (verb !== "PATCH") return request(verb, path, body, contentType);
    const status = answers.shift() ?? 200;
    patches.push(status);
    return Promise.resolve({ status, body: status === 200 ? {} : { message: "etcd is down" } });
  };
  const ac = new AbortController();
  const serving = pods.serve(session, ac.signal);
  try {
    await waitFor("the first list", () => pods.synced);
    push({ eventType: "ADDED", object: pod(2) });
    await waitFor("the pod", () => pods.resourceVersion === "2");
    pods.onSync(NO_PODS);
    await waitFor("the first write", () => patches.length === 1);
    pods.onSync(NO_PODS);
    await waitFor("the second write", () => patches.length === 2);
    // Written: further passes, from the same relist or a new one, have nothing to write.
    pods.onSync(NO_PODS);
    pods.onSync({ ...NO_PODS });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(patches, [500, 200]);
  } finally {
    ac.abort();
    await serving;
  }
});
