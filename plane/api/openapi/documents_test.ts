/** Unit tests of the OpenAPI v3 index and group-version documents. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { apiResources } from "../resources.ts";
import { openapiV3Document, openapiV3Index } from "./documents.ts";

type Op = {
  parameters?: { name: string; in: string }[];
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
};
type Doc = {
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

const doc = (path: string) => openapiV3Document(path) as Doc;

Deno.test("openapiV3Index() lists one document per served group-version with a stable content hash", () => {
  const index = openapiV3Index();
  assert.deepEqual(Object.keys(index.paths).sort(), [
    "api/v1",
    "apis/apps/v1",
    "apis/coordination.k8s.io/v1",
    "apis/discovery.k8s.io/v1",
    "apis/events.k8s.io/v1",
    "apis/scheduling.k8s.io/v1",
  ]);
  assert.deepEqual(openapiV3Index(), index, "the same content gives the same hashes");
  for (const [path, { serverRelativeURL }] of Object.entries(index.paths)) {
    const hash = createHash("sha512").update(JSON.stringify(openapiV3Document(path))).digest("hex")
      .toUpperCase();
    assert.equal(serverRelativeURL, `/openapi/v3/${path}?hash=${hash}`);
  }
  const hashes = Object.values(index.paths).map((p) => p.serverRelativeURL.split("hash=")[1]);
  assert.equal(new Set(hashes).size, hashes.length, "different documents have different hashes");
  assert.equal(openapiV3Document("apis/batch/v1"), undefined);
  assert.equal(openapiV3Document("api/v2"), undefined);
});

Deno.test("every PATCH operation advertises fieldValidation, dryRun, fieldManager and force", () => {
  let patches = 0;
  for (const path of Object.keys(openapiV3Index().paths)) {
    for (const [route, item] of Object.entries(doc(path).paths)) {
      const patch = item["patch"];
      if (!patch) continue;
      patches++;
      const query = (patch.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)
        .sort();
      assert.deepEqual(query, ["dryRun", "fieldManager", "fieldValidation", "force"], route);
      assert.equal(patch["x-kubernetes-action"], "patch");
      assert.ok(patch["x-kubernetes-group-version-kind"], route);
    }
  }
  // main resource + status/scale subresources of every served resource
  const expected = apiResources.reduce(
    (n, r) => n + 1 + r.subresources.filter((s) => s === "status" || s === "scale").length,
    0,
  );
  assert.equal(patches, expected);
});

Deno.test("paths cover collections, named objects, all-namespace lists and subresources", () => {
  const core = doc("api/v1").paths;
  for (
    const route of [
      "/api/v1/namespaces/{namespace}/pods",
      "/api/v1/namespaces/{namespace}/pods/{name}",
      "/api/v1/pods",
      "/api/v1/namespaces/{namespace}/pods/{name}/status",
      "/api/v1/namespaces/{namespace}/pods/{name}/log",
      "/api/v1/namespaces/{namespace}/pods/{name}/exec",
      "/api/v1/namespaces/{namespace}/pods/{name}/binding",
      "/api/v1/nodes/{name}/status",
      "/api/v1/namespaces/{name}",
    ]
  ) assert.ok(core[route], route);
  assert.equal(
    core["/api/v1/namespaces"]!["delete"],
    undefined,
    "namespaces have no deletecollection",
  );
  assert.equal(
    core["/api/v1/namespaces/{namespace}/pods"]!["delete"]!["x-kubernetes-action"],
    "deletecollection",
  );
  const scale = doc("apis/apps/v1")
    .paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]!;
  assert.deepEqual(scale["patch"]!["x-kubernetes-group-version-kind"], {
    group: "autoscaling",
    version: "v1",
    kind: "Scale",
  });
  assert.equal(
    (doc("apis/apps/v1")
      .paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"] as Record<
        string,
        unknown
      >)["operationId"],
    "patchAppsV1NamespacedDeployment",
  );
});

Deno.test("components carry every served kind with its group-version-kind and no dangling reference", () => {
  for (const path of Object.keys(openapiV3Index().paths)) {
    const d = doc(path);
    const names = new Set(Object.keys(d.components.schemas));
    const dangling: string[] = [];
    JSON.stringify(d, (k, v) => {
      if (k === "$ref" && !names.has(String(v).split("/").pop()!)) dangling.push(v);
      return v;
    });
    assert.deepEqual(dangling, [], path);
  }
  for (const r of apiResources) {
    const path = r.group === "" ? "api/v1" : `apis/${r.group}/${r.version}`;
    const schemas = doc(path).components.schemas;
    const own = Object.values(schemas).filter((s) =>
      (s["x-kubernetes-group-version-kind"] as { group: string; kind: string }[] | undefined)?.some(
        (g) => g.group === r.group && g.kind === r.kind,
      )
    );
    assert.equal(own.length, 1, `${r.group}/${r.kind}`);
  }
  assert.ok("io.k8s.api.autoscaling.v1.Scale" in doc("apis/apps/v1").components.schemas);
  assert.ok(
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in
      doc("apis/coordination.k8s.io/v1").components.schemas,
  );
  assert.ok(
    !("io.k8s.api.core.v1.PodSpec" in doc("apis/coordination.k8s.io/v1").components.schemas),
  );
});
