import assert from "node:assert/strict";
import { applyPatch, parsePatchType, PatchError, type PatchType } from "./patch.ts";
import { strategicMergePatch } from "./strategic_merge_patch.ts";

const SMP: PatchType = "application/strategic-merge-patch+json";
const MERGE: PatchType = "application/merge-patch+json";
const JSONP: PatchType = "application/json-patch+json";

/** A Deployment shaped like the one on the kubectl-patch task page (names changed). */
function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shop", labels: { app: "shop" }, finalizers: ["a/one", "b/two"] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "shop" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: "shop" } },
        spec: {
          containers: [{
            name: "web",
            image: "httpd:2.4",
            ports: [{ containerPort: 80, protocol: "TCP" }],
            env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
            args: ["-x", "-y"],
          }],
          tolerations: [{ effect: "NoSchedule", key: "dedicated", value: "blue" }],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
  };
}

interface Case {
  name: string;
  type: PatchType;
  kind?: string;
  live: () => Record<string, unknown>;
  patch: unknown;
  /** Dot path to inspect, e.g. "spec.template.spec.containers". */
  at: string;
  want: unknown;
}

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split(".")) {
    if (p === "") continue;
    cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Record<string, unknown>)?.[p];
  }
  return cur;
}

const tmpl = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });
const CONTAINERS = "spec.template.spec.containers";

const cases: Case[] = [
  // kubectl-patch task page: a strategic merge patch adds a second container by name; the
  // page's output lists the patch's new container before the existing one.
  {
    name: "SMP merges containers by name (adds one, patch items first)",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "cache", image: "redis" }] }),
    at: CONTAINERS + ".0",
    want: { name: "cache", image: "redis" },
  },
  {
    name: "SMP keeps the untouched container",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "cache", image: "redis" }] }),
    at: CONTAINERS + ".1.image",
    want: "httpd:2.4",
  },
  // The same patch as a JSON merge patch replaces the whole list.
  {
    name: "merge patch replaces containers",
    type: MERGE,
    live: deployment,
    patch: tmpl({ containers: [{ name: "cache", image: "redis" }] }),
    at: CONTAINERS,
    want: [{ name: "cache", image: "redis" }],
  },
  // tolerations have no patch strategy: replaced, as the task page shows.
  {
    name: "SMP replaces tolerations",
    type: SMP,
    live: deployment,
    patch: tmpl({ tolerations: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }] }),
    at: "spec.template.spec.tolerations",
    want: [{ effect: "NoSchedule", key: "disktype", value: "ssd" }],
  },
  // retainKeys on the Deployment strategy (task page: switch to Recreate).
  {
    name: "SMP $retainKeys clears rollingUpdate when switching to Recreate",
    type: SMP,
    live: deployment,
    patch: { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
    at: "spec.strategy",
    want: { type: "Recreate" },
  },
  {
    name: "SMP without $retainKeys keeps rollingUpdate",
    type: SMP,
    live: deployment,
    patch: { spec: { strategy: { type: "Recreate" } } },
    at: "spec.strategy.rollingUpdate.maxUnavailable",
    want: 1,
  },
  {
    name: "SMP merges env by name inside a container",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "web", env: [{ name: "B", value: "3" }, { name: "C" }] }] }),
    at: CONTAINERS + ".0.env",
    want: [{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C" }],
  },
  {
    name: "SMP merges ports by containerPort",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "web", ports: [{ containerPort: 80, name: "http" }] }] }),
    at: CONTAINERS + ".0.ports",
    want: [{ containerPort: 80, protocol: "TCP", name: "http" }],
  },
  {
    name: "SMP replaces args (no strategy)",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "web", args: ["-z"] }] }),
    at: CONTAINERS + ".0.args",
    want: ["-z"],
  },
  {
    name: "SMP null deletes a field",
    type: SMP,
    live: deployment,
    patch: { metadata: { labels: { app: null, tier: "web" } } },
    at: "metadata.labels",
    want: { tier: "web" },
  },
  // SMP design doc: $patch: delete removes one item of a merge list.
  {
    name: "SMP $patch: delete removes a list item by merge key",
    type: SMP,
    live: deployment,
    patch: tmpl({ containers: [{ name: "web", env: [{ name: "A", $patch: "delete" }] }] }),
    at: CONTAINERS + ".0.env",
    want: [{ name: "B", value: "2" }],
  },
  // SMP design doc: $patch: replace on a list replaces it with the other items.
  {
    name: "SMP $patch: replace in a list replaces the list",
    type: SMP,
    live: deployment,
    patch: tmpl({
      containers: [{ name: "web", env: [{ $patch: "replace" }, { name: "Z", value: "9" }] }],
    }),
    at: CONTAINERS + ".0.env",
    want: [{ name: "Z", value: "9" }],
  },
  // SMP design doc: $patch: replace on a map replaces the map.
  {
    name: "SMP $patch: replace in a map replaces the map",
    type: SMP,
    live: deployment,
    patch: { metadata: { labels: { $patch: "replace", only: "me" } } },
    at: "metadata.labels",
    want: { only: "me" },
  },
  {
    name: "SMP $patch: delete in a map empties it",
    type: SMP,
    live: deployment,
    patch: { spec: { strategy: { $patch: "delete" } } },
    at: "spec.strategy",
    want: {},
  },
  // Finalizers are a merged set of strings.
  {
    name: "SMP merges finalizers as a set",
    type: SMP,
    live: deployment,
    patch: { metadata: { finalizers: ["b/two", "c/three"] } },
    at: "metadata.finalizers",
    want: ["a/one", "b/two", "c/three"],
  },
  {
    name: "SMP $deleteFromPrimitiveList removes finalizers",
    type: SMP,
    live: deployment,
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a/one"] } },
    at: "metadata.finalizers",
    want: ["b/two"],
  },
  {
    name: "SMP $deleteFromPrimitiveList on an absent list adds nothing",
    type: SMP,
    live: () => ({ metadata: {} }),
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a/one"] } },
    at: "metadata",
    want: {},
  },
  // What kubectl apply sends (kubectl-api.md §3.6): $setElementOrder with a changed image.
  {
    name: "SMP $setElementOrder from kubectl apply keeps order and merges",
    type: SMP,
    live: () => tmpl({ containers: [{ name: "a", image: "1" }, { name: "b", image: "1" }] }),
    patch: tmpl({
      "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
      containers: [{ name: "a", image: "2" }],
    }),
    at: CONTAINERS,
    want: [{ name: "b", image: "1" }, { name: "a", image: "2" }],
  },
  {
    name: "SMP $setElementOrder keeps server-only items",
    type: SMP,
    live: () =>
      tmpl({ containers: [{ name: "a" }, { name: "sidecar", image: "s" }, { name: "b" }] }),
    patch: tmpl({
      "$setElementOrder/containers": [{ name: "a" }, { name: "b" }, { name: "c" }],
      containers: [{ name: "c", image: "new" }],
    }),
    at: CONTAINERS,
    want: [{ name: "a" }, { name: "sidecar", image: "s" }, { name: "b" }, {
      name: "c",
      image: "new",
    }],
  },
  {
    name: "SMP nested $setElementOrder/env inside a container",
    type: SMP,
    live: deployment,
    patch: tmpl({
      "$setElementOrder/containers": [{ name: "web" }],
      containers: [{
        name: "web",
        "$setElementOrder/env": [{ name: "B" }, { name: "A" }],
        env: [{ name: "A", value: "x" }],
      }],
    }),
    at: CONTAINERS + ".0.env",
    want: [{ name: "B", value: "2" }, { name: "A", value: "x" }],
  },
  {
    name: "SMP $setElementOrder on a primitive list orders finalizers",
    type: SMP,
    live: deployment,
    patch: { metadata: { "$setElementOrder/finalizers": ["b/two", "a/one"] } },
    at: "metadata.finalizers",
    want: ["b/two", "a/one"],
  },
  {
    name: "SMP directives never reach a newly added list",
    type: SMP,
    kind: "Pod",
    live: () => ({ spec: {} }),
    patch: {
      spec: {
        "$setElementOrder/containers": [{ name: "a" }],
        containers: [{ name: "a", "$setElementOrder/env": [{ name: "X" }], env: [{ name: "X" }] }],
      },
    },
    at: "spec.containers",
    want: [{ name: "a", env: [{ name: "X" }] }],
  },
  {
    name: "SMP merges volumes and honours $retainKeys per item",
    type: SMP,
    live: deployment,
    patch: tmpl({
      volumes: [{ name: "data", $retainKeys: ["name", "hostPath"], hostPath: { path: "/d" } }],
    }),
    at: "spec.template.spec.volumes",
    want: [{ name: "data", hostPath: { path: "/d" } }],
  },
  {
    name: "SMP merges Service ports by port",
    type: SMP,
    kind: "Service",
    live: () => ({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } }),
    patch: { spec: { ports: [{ port: 443, targetPort: 8443 }] } },
    at: "spec.ports",
    want: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }],
  },
  {
    name: "SMP merges pod status conditions by type",
    type: SMP,
    kind: "Pod",
    live: () => ({
      status: {
        conditions: [{ type: "Ready", status: "False" }, { type: "Init", status: "True" }],
      },
    }),
    patch: { status: { conditions: [{ type: "Ready", status: "True" }] } },
    at: "status.conditions",
    want: [{ type: "Ready", status: "True" }, { type: "Init", status: "True" }],
  },
  {
    name: "SMP merges ownerReferences by uid",
    type: SMP,
    kind: "Pod",
    live: () => ({ metadata: { ownerReferences: [{ uid: "1", name: "a" }] } }),
    patch: { metadata: { ownerReferences: [{ uid: "2", name: "b" }] } },
    at: "metadata.ownerReferences",
    want: [{ uid: "2", name: "b" }, { uid: "1", name: "a" }],
  },
  {
    name: "SMP on an unknown kind replaces lists",
    type: SMP,
    kind: "Widget",
    live: () => ({ spec: { items: [{ name: "a" }] } }),
    patch: { spec: { items: [{ name: "b" }] } },
    at: "spec.items",
    want: [{ name: "b" }],
  },
  // kubectl scale sends a merge patch.
  {
    name: "merge patch sets replicas (kubectl scale)",
    type: MERGE,
    live: deployment,
    patch: { spec: { replicas: 5 } },
    at: "spec.replicas",
    want: 5,
  },
  {
    name: "merge patch null removes a label",
    type: MERGE,
    live: deployment,
    patch: { metadata: { labels: { app: null } } },
    at: "metadata.labels",
    want: {},
  },
  // kubectl patch --type=json.
  {
    name: "JSON patch adds a container at the end",
    type: JSONP,
    live: deployment,
    patch: [{ op: "add", path: "/spec/template/spec/containers/-", value: { name: "x" } }],
    at: CONTAINERS + ".1",
    want: { name: "x" },
  },
  {
    name: "JSON patch replace, test, move, copy, remove in sequence",
    type: JSONP,
    live: deployment,
    patch: [
      { op: "test", path: "/spec/replicas", value: 2 },
      { op: "replace", path: "/spec/replicas", value: 4 },
      { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copy" },
      { op: "move", from: "/metadata/labels/copy", path: "/metadata/labels/moved" },
      { op: "remove", path: "/metadata/labels/app" },
      { op: "add", path: "/metadata/labels/a~1b", value: "slash" },
    ],
    at: "metadata.labels",
    want: { moved: "shop", "a/b": "slash" },
  },
];

Deno.test("applyPatch() applies each patch type as kube-apiserver does", async (t) => {
  for (const c of cases) {
    await t.step(c.name, () => {
      const live = c.live();
      const before = structuredClone(live);
      const out = applyPatch(c.type, live, c.patch, c.kind ?? "Deployment");
      assert.deepEqual(get(out, c.at), c.want);
      assert.deepEqual(live, before, "the live object must not be modified");
      assert.ok(!JSON.stringify(out).includes('"$'), "no directive may be stored");
    });
  }
});

Deno.test("applyPatch() reports patches that do not apply with the right code", async (t) => {
  const bad: [string, PatchType, unknown, number, RegExp][] = [
    ["JSON patch not a list", JSONP, { op: "add" }, 400, /cannot unmarshal object/],
    [
      "failed test",
      JSONP,
      [{ op: "test", path: "/spec/replicas", value: 9 }],
      422,
      /^testing value \/spec\/replicas failed: test failed$/,
    ],
    [
      "remove a missing key",
      JSONP,
      [{ op: "remove", path: "/spec/nope" }],
      422,
      /^error in remove for path: '\/spec\/nope': Unable to remove nonexistent key: nope: missing value$/,
    ],
    [
      "remove under a missing parent",
      JSONP,
      [{ op: "remove", path: "/spec/nope/deeper" }],
      422,
      /^remove operation does not apply: doc is missing path: "\/spec\/nope\/deeper": missing value$/,
    ],
    [
      "replace a missing key after an earlier operation",
      JSONP,
      [{ op: "add", path: "/spec/x", value: {} }, { op: "replace", path: "/spec/x/y", value: 1 }],
      422,
      /^replace operation does not apply: doc is missing key: \/spec\/x\/y: missing value$/,
    ],
    [
      "add under a missing parent",
      JSONP,
      [{ op: "add", path: "/nope/x", value: 1 }],
      422,
      /^add operation does not apply: doc is missing path: "\/nope\/x": missing value$/,
    ],
    ["unknown op", JSONP, [{ op: "frob", path: "/a" }], 422, /^Unexpected kind: frob$/],
    [
      "replace root with a string",
      JSONP,
      [{ op: "replace", path: "", value: "x" }],
      422,
      /not a JSON object/,
    ],
    ["merge patch not an object", MERGE, [1], 400, /^Invalid JSON Patch$/],
    ["SMP not an object", SMP, "x", 400, /^invalid JSON document$/],
    ["SMP bad $patch", SMP, { spec: { $patch: "frob" } }, 400, /unknown patch type: "frob"/],
    [
      "SMP $retainKeys missing a patched key",
      SMP,
      { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } },
      400,
      /^invalid patch format of retainKeys$/,
    ],
    [
      "SMP item without merge key",
      SMP,
      tmpl({ containers: [{ image: "x" }] }),
      422,
      /does not contain declared merge key: name/,
    ],
    [
      "SMP $setElementOrder not matching the patch list",
      SMP,
      tmpl({ "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "b" }] }),
      400,
      /invalid patch format of setElementOrder list/,
    ],
    ["apply patch through applyPatch", "application/apply-patch+yaml", {}, 415, /field manager/],
  ];
  for (const [name, type, patch, code, msg] of bad) {
    await t.step(name, () => {
      assert.throws(() => applyPatch(type, deployment(), patch, "Deployment"), (e: unknown) => {
        assert.ok(e instanceof PatchError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, msg);
        return true;
      });
    });
  }
});

Deno.test("parsePatchType() accepts the four types and refuses others with 415", () => {
  assert.equal(parsePatchType("application/json-patch+json"), JSONP);
  assert.equal(parsePatchType("Application/Strategic-Merge-Patch+JSON"), SMP);
  assert.throws(() => parsePatchType("application/json"), (e: unknown) => {
    assert.ok(e instanceof PatchError);
    assert.equal(e.code, 415);
    assert.match(e.message, /accepted media types include: application\/json-patch\+json/);
    return true;
  });
});

Deno.test("strategicMergePatch() replays a client-side apply update from kubectl", () => {
  // The body kubectl 1.32 sent for a changed image plus a new label (kubectl-api.md §3.6).
  const live = {
    metadata: {
      name: "nginx",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}\n" },
    },
    spec: {
      containers: [{
        name: "nginx",
        image: "nginx:1.25",
        imagePullPolicy: "IfNotPresent",
        ports: [{ containerPort: 80, protocol: "TCP" }],
      }],
      restartPolicy: "Always",
    },
  };
  const patch = {
    metadata: {
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}\n" },
      labels: { tier: "web" },
    },
    spec: {
      "$setElementOrder/containers": [{ name: "nginx" }],
      containers: [{ image: "nginx:1.26", name: "nginx" }],
    },
  };
  assert.deepEqual(strategicMergePatch(live, patch, "Pod"), {
    metadata: {
      name: "nginx",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}\n" },
      labels: { tier: "web" },
    },
    spec: {
      containers: [{
        name: "nginx",
        image: "nginx:1.26",
        imagePullPolicy: "IfNotPresent",
        ports: [{ containerPort: 80, protocol: "TCP" }],
      }],
      restartPolicy: "Always",
    },
  });
});

Deno.test("applyPatch() keeps a __proto__ key a plain key and never touches prototypes", async (t) => {
  const evil = JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}');
  for (const type of [MERGE, SMP]) {
    await t.step(type, () => {
      const out = applyPatch(type, deployment(), evil, "Deployment");
      const meta = out.metadata as Record<string, unknown>;
      assert.ok(Object.hasOwn(meta, "__proto__"));
      assert.equal(Object.getPrototypeOf(meta), Object.prototype);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
  await t.step(JSONP, () => {
    assert.throws(
      () =>
        applyPatch(JSONP, deployment(), [{
          op: "add",
          path: "/__proto__/polluted",
          value: true,
        }], "Deployment"),
      { code: 422 },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
