/** Unit tests of object validation and registry keys (no store needed). */
import assert from "node:assert/strict";
import { connectStore } from "./etcd_client.ts";
import { InvalidObjectError, StoreDataError } from "./errors.ts";
import { parseKubeObject, registryKey } from "./kube_object.ts";

Deno.test("parseKubeObject() names the bad field and the key", async (t) => {
  const base = { apiVersion: "v1", kind: "Pod", metadata: { name: "a" } };
  const cases: [string, unknown, RegExp][] = [
    ["not an object", [1, 2], /expected a JSON object/],
    ["no kind", { ...base, kind: 3 }, /kind: expected a string/],
    ["no metadata", { ...base, metadata: "x" }, /metadata: expected an object/],
    ["numeric name", { ...base, metadata: { name: 5 } }, /metadata.name: expected a string/],
    [
      "numeric resourceVersion",
      { ...base, metadata: { name: "a", resourceVersion: 5 } },
      /metadata.resourceVersion: expected a string/,
    ],
    [
      "label value not a string",
      { ...base, metadata: { name: "a", labels: { app: 1 } } },
      /metadata.labels.app: expected a string, got 1/,
    ],
  ];
  for (const [name, value, want] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseKubeObject(value, "/registry/pods/ns/a"), (e: unknown) => {
        assert.ok(e instanceof StoreDataError);
        assert.equal(e.key, "/registry/pods/ns/a");
        assert.match(e.message, want);
        return true;
      });
    });
  }
  assert.equal(parseKubeObject({ ...base, spec: { x: 1 } }, "/k").spec !== undefined, true);
});

Deno.test("registryKey() rejects names that would escape their key", () => {
  assert.equal(registryKey("pods", "ns", "a"), "/registry/pods/ns/a");
  for (
    const [ns, name, path] of [["a/b", "x", "metadata.namespace"], ["ns", "", "metadata.name"]]
  ) {
    assert.throws(() => registryKey("pods", ns, name!), (e: unknown) => {
      assert.ok(e instanceof InvalidObjectError);
      assert.equal(e.path, path);
      return true;
    });
  }
});

Deno.test("connectStore() rejects bad endpoints before any I/O", () => {
  assert.throws(() => connectStore({ endpoints: [] }), /at least one endpoint/);
  assert.throws(
    () => connectStore({ endpoints: "ftp://127.0.0.1:2379" }),
    /Unsupported store endpoint "ftp:\/\/127.0.0.1:2379": expected http:\/\/, https:\/\/, grpc:\/\/ or grpcs:\/\//,
  );
  assert.throws(
    () => connectStore({ endpoints: "127.0.0.1:2379" }),
    /Unsupported store endpoint|Invalid store endpoint/,
  );
  assert.throws(
    () => connectStore({ endpoints: "not a url" }),
    /Invalid store endpoint "not a url"/,
  );
});
