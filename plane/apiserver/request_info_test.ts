import assert from "node:assert/strict";
import { parseRequestInfo } from "./request_info.ts";

Deno.test("parseRequestInfo() follows kube-apiserver's path rules", async (t) => {
  const cases: [string, string, boolean, string | undefined][] = [
    ["GET", "/api/v1/pods", false, "list  pods - -"],
    ["GET", "/api/v1/pods", true, "watch  pods - -"],
    ["GET", "/api/v1/namespaces", false, "list  namespaces - -"],
    ["GET", "/api/v1/namespaces/default", false, "get  namespaces default -"],
    ["PUT", "/api/v1/namespaces/x/finalize", false, "update  namespaces x finalize"],
    ["PATCH", "/api/v1/namespaces/x/status", false, "patch  namespaces x status"],
    ["POST", "/api/v1/namespaces/default/pods", false, "create default pods - -"],
    ["DELETE", "/api/v1/namespaces/default/pods", false, "deletecollection default pods - -"],
    ["DELETE", "/api/v1/namespaces/default/pods/web", false, "delete default pods web -"],
    ["GET", "/api/v1/namespaces/default/pods/web/exec", false, "get default pods web exec"],
    [
      "POST",
      "/api/v1/namespaces/default/pods/web/binding",
      false,
      "create default pods web binding",
    ],
    ["GET", "/apis/apps/v1/namespaces/a/deployments/d/scale", false, "get a deployments d scale"],
    ["GET", "/apis/apps/v1/deployments", false, "list  deployments - -"],
    ["GET", "/api/v1/nodes/n1", false, "get  nodes n1 -"],
    ["GET", "/api/v1/namespaces/default/pods/web/a/b", false, undefined],
    ["OPTIONS", "/api/v1/pods", false, undefined],
    ["GET", "/apis/apps", false, undefined],
    ["GET", "/healthz", false, undefined],
  ];
  for (const [method, path, watch, want] of cases) {
    await t.step(`${method} ${path}${watch ? "?watch" : ""}`, () => {
      const r = parseRequestInfo(method, path, watch);
      const got = r?.type === "resource"
        ? `${r.verb} ${r.namespace ?? ""} ${r.resource} ${r.name ?? "-"} ${r.subresource ?? "-"}`
        : r === undefined
        ? undefined
        : `gv ${r.group}/${r.version}`;
      assert.equal(got, want);
    });
  }
  await t.step("group-version paths are discovery requests", () => {
    assert.deepEqual(parseRequestInfo("GET", "/apis/apps/v1", false), {
      type: "groupVersion",
      group: "apps",
      version: "v1",
    });
  });
});
