import assert from "node:assert/strict";
import { decodeFieldsV1, encodeFieldsV1, formatPath } from "./_field_set.ts";
import { type ManagedFieldsEntry, updateManagedFields } from "./managed_fields.ts";
import { ApplyConflictError, serverSideApply } from "./server_side_apply.ts";

type Obj = Record<string, unknown>;
const T0 = new Date("2026-11-30T08:00:00.500Z");
const T1 = new Date("2026-11-30T09:00:00Z");

function managed(obj: Obj): ManagedFieldsEntry[] {
  return ((obj.metadata as Obj).managedFields ?? []) as ManagedFieldsEntry[];
}

function entry(obj: Obj, manager: string): ManagedFieldsEntry | undefined {
  return managed(obj).find((e) => e.manager === manager);
}

function podConfig(image: string, extra: Obj = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "nginx", image, ...extra }] },
  };
}

const apply = (live: Obj | undefined, cfg: Obj, manager: string, force = false, now = T0) =>
  serverSideApply(live, cfg, { manager, force, now, kind: cfg.kind as string }).object;

Deno.test("serverSideApply() creates the object and records the Apply entry", () => {
  const obj = apply(undefined, podConfig("nginx:1.25"), "kubectl");
  assert.equal((obj.spec as { containers: Obj[] }).containers[0]?.image, "nginx:1.25");
  assert.deepEqual(managed(obj), [{
    manager: "kubectl",
    operation: "Apply",
    apiVersion: "v1",
    time: "2026-11-30T08:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} },
        },
      },
    },
  }]);
});

Deno.test("serverSideApply() re-applied unchanged by the same manager changes nothing", () => {
  const first = apply(undefined, podConfig("nginx:1.25"), "kubectl");
  const again = apply(first, podConfig("nginx:1.25"), "kubectl");
  assert.deepEqual(again, first);
});

Deno.test("serverSideApply() lets the same manager change its own fields", () => {
  const first = apply(undefined, podConfig("nginx:1.25"), "kubectl");
  const next = apply(first, podConfig("nginx:1.26"), "kubectl", false, T1);
  assert.equal((next.spec as { containers: Obj[] }).containers[0]?.image, "nginx:1.26");
  assert.equal(entry(next, "kubectl")?.time, "2026-11-30T09:00:00Z");
});

Deno.test("serverSideApply() shares fields applied with the same value", () => {
  const first = apply(undefined, podConfig("nginx:1.25"), "kubectl");
  const shared = apply(first, podConfig("nginx:1.25"), "ci");
  assert.ok(entry(shared, "kubectl"));
  assert.ok(entry(shared, "ci"));
  // kubectl now stops applying the label; ci still owns it, so it stays.
  const cfg = podConfig("nginx:1.25");
  delete (cfg.metadata as Obj).labels;
  const after = apply(shared, cfg, "kubectl");
  assert.deepEqual((after.metadata as Obj).labels, { app: "web" });
});

Deno.test("serverSideApply() reports conflicts as kube-apiserver does", async (t) => {
  const first = apply(undefined, podConfig("nginx:1.25"), "kubectl");
  await t.step("one conflict with an Apply manager", () => {
    assert.throws(() => apply(first, podConfig("nginx:1.26"), "ci"), (e: unknown) => {
      assert.ok(e instanceof ApplyConflictError);
      assert.equal(e.code, 409);
      assert.equal(
        e.message,
        'Apply failed with 1 conflict: conflict with "kubectl": .spec.containers[name="nginx"].image',
      );
      assert.deepEqual(e.causes, [{
        reason: "FieldManagerConflict",
        message: 'conflict with "kubectl"',
        field: '.spec.containers[name="nginx"].image',
      }]);
      return true;
    });
  });
  await t.step("several conflicts, grouped by manager", () => {
    const cfg = podConfig("nginx:1.26");
    (cfg.metadata as Obj).labels = { app: "other" };
    assert.throws(() => apply(first, cfg, "ci"), {
      message: 'Apply failed with 2 conflicts: conflicts with "kubectl":\n' +
        "- .metadata.labels.app\n" +
        '- .spec.containers[name="nginx"].image',
    });
  });
  await t.step("force moves ownership", () => {
    const forced = apply(first, podConfig("nginx:1.26"), "ci", true);
    assert.equal((forced.spec as { containers: Obj[] }).containers[0]?.image, "nginx:1.26");
    const kubectlFields = decodeFieldsV1(entry(forced, "kubectl")?.fieldsV1);
    assert.ok(!kubectlFields.paths().some((p) => formatPath(p).endsWith(".image")));
    // kubectl applying its old value now conflicts with ci.
    assert.throws(() => apply(forced, podConfig("nginx:1.25"), "kubectl"), {
      message:
        'Apply failed with 1 conflict: conflict with "ci": .spec.containers[name="nginx"].image',
    });
  });
});

Deno.test("serverSideApply() conflicts with Update managers, naming their version and time", () => {
  const created = apply(undefined, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: { replicas: 1 },
  }, "kubectl");
  const scaled = updateManagedFields(created, {
    ...created,
    spec: { replicas: 3 },
  }, { manager: "kubectl-scale", kind: "Deployment", now: T1 });
  assert.deepEqual(entry(scaled, "kubectl-scale")?.fieldsV1, { "f:spec": { "f:replicas": {} } });
  assert.equal(entry(scaled, "kubectl"), undefined, "kubectl lost its only field");
  assert.throws(
    () =>
      apply(scaled, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "default" },
        spec: { replicas: 1 },
      }, "kubectl"),
    {
      message: 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1 at ' +
        "2026-11-30T09:00:00Z: .spec.replicas",
    },
  );
});

Deno.test("serverSideApply() gives an untracked object to before-first-apply", () => {
  const live = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "d" },
    data: { a: "1", b: "2" },
  };
  assert.throws(() => apply(live, { ...live, data: { a: "9" } }, "kubectl"), {
    message: 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a',
  });
  const ok = apply(live, { ...live, data: { a: "1" } }, "kubectl");
  assert.deepEqual(ok.data, { a: "1", b: "2" });
  assert.deepEqual(managed(ok).map((e) => [e.manager, e.operation]), [
    ["kubectl", "Apply"],
    ["before-first-apply", "Update"],
  ]);
});

Deno.test("serverSideApply() removes fields the manager stops applying", async (t) => {
  await t.step("a label", () => {
    const first = apply(undefined, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "d", labels: { a: "1", b: "2" } },
    }, "kubectl");
    const next = apply(first, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "d", labels: { a: "1" } },
    }, "kubectl");
    assert.deepEqual((next.metadata as Obj).labels, { a: "1" });
  });
  await t.step("a container, while a field another manager set elsewhere stays", () => {
    const cfg = podConfig("nginx");
    (cfg.spec as { containers: Obj[] }).containers.push({ name: "sidecar", image: "busybox" });
    const first = apply(undefined, cfg, "kubectl");
    const withStatus = updateManagedFields(first, {
      ...first,
      spec: { ...(first.spec as Obj), nodeName: "n1" },
    }, { manager: "scheduler", kind: "Pod", now: T1 });
    const next = apply(withStatus, podConfig("nginx"), "kubectl");
    assert.deepEqual((next.spec as { containers: Obj[] }).containers.map((c) => c.name), ["nginx"]);
    assert.equal((next.spec as Obj).nodeName, "n1");
  });
  await t.step("a finalizer of a set list", () => {
    const first = apply(undefined, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "d", finalizers: ["x.io/a", "x.io/b"] },
    }, "kubectl");
    assert.deepEqual(entry(first, "kubectl")?.fieldsV1, {
      "f:metadata": { "f:finalizers": { 'v:"x.io/a"': {}, 'v:"x.io/b"': {} } },
    });
    const next = apply(first, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "d", finalizers: ["x.io/b"] },
    }, "kubectl");
    assert.deepEqual((next.metadata as Obj).finalizers, ["x.io/b"]);
  });
});

Deno.test("serverSideApply() merges lists by their strategy", () => {
  const first = apply(
    undefined,
    podConfig("nginx", { env: [{ name: "A", value: "1" }] }),
    "kubectl",
  );
  // Another manager adds an env var to the same container.
  const cfg = podConfig("nginx", { env: [{ name: "B", value: "2" }] });
  const both = apply(first, cfg, "ci");
  assert.deepEqual((both.spec as { containers: Obj[] }).containers[0]?.env, [
    { name: "A", value: "1" },
    { name: "B", value: "2" },
  ]);
});

Deno.test("serverSideApply() refuses managedFields in the applied configuration", () => {
  const cfg = podConfig("nginx");
  (cfg.metadata as Obj).managedFields = [];
  assert.throws(() => apply(undefined, cfg, "kubectl"), {
    code: 400,
    message: "metadata.managedFields must be nil",
  });
});

Deno.test("updateManagedFields() tracks ordinary writes", async (t) => {
  const cm = (data: Obj): Obj => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "d" },
    data,
  });
  const opts = (manager: string, now = T0) => ({ manager, kind: "ConfigMap", now });
  const created = updateManagedFields(undefined, cm({ a: "1", b: "2" }), opts("kubectl-create"));
  await t.step("create owns every field", () => {
    assert.deepEqual(entry(created, "kubectl-create")?.fieldsV1, {
      "f:data": { "f:a": {}, "f:b": {} },
    });
  });
  const edited = updateManagedFields(
    created,
    { ...cm({ a: "9" }), metadata: created.metadata as Obj },
    opts("kubectl-edit", T1),
  );
  await t.step("an edit takes what it changes and drops what it removes", () => {
    assert.equal(entry(edited, "kubectl-create"), undefined);
    assert.deepEqual(entry(edited, "kubectl-edit")?.fieldsV1, { "f:data": { "f:a": {} } });
    assert.equal(entry(edited, "kubectl-edit")?.time, "2026-11-30T09:00:00Z");
  });
  await t.step("an empty managedFields list in the request keeps the stored ones", () => {
    const kept = updateManagedFields(edited, {
      ...edited,
      metadata: { ...(edited.metadata as Obj), managedFields: [] },
    }, opts("x"));
    assert.deepEqual(managed(kept), managed(edited));
  });
  await t.step("a list with one empty entry clears them", () => {
    const cleared = updateManagedFields(edited, {
      ...edited,
      metadata: { ...(edited.metadata as Obj), managedFields: [{}] },
    }, opts("x"));
    assert.equal((cleared.metadata as Obj).managedFields, undefined);
  });
  await t.step("managed fields sent by the client replace the stored ones", () => {
    const mine: ManagedFieldsEntry = {
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "v1",
      time: "2026-11-30T08:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { "f:a": {} } },
    };
    const migrated = updateManagedFields(edited, {
      ...edited,
      metadata: { ...(edited.metadata as Obj), managedFields: [mine] },
    }, opts("kubectl-client-side-apply"));
    assert.deepEqual(managed(migrated), [mine]);
  });
  await t.step("an unchanged write adds no entry", () => {
    const same = updateManagedFields(edited, edited, opts("noop"));
    assert.equal(entry(same, "noop"), undefined);
  });
});

Deno.test("FieldsV1 decodes and re-encodes kube-apiserver's format", () => {
  const fields = {
    "f:metadata": {
      "f:annotations": { ".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {} },
      "f:finalizers": { 'v:"a.io/x"': {} },
    },
    "f:spec": {
      "f:containers": {
        'k:{"name":"nginx"}': {
          ".": {},
          "f:image": {},
          "f:ports": {
            'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
          },
        },
      },
      "f:tolerations": {},
    },
  };
  const set = decodeFieldsV1(fields);
  assert.deepEqual(encodeFieldsV1(set), fields);
  assert.ok(
    set.paths().map(formatPath).includes(
      '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
    ),
  );
  assert.ok(set.paths().map(formatPath).includes('.metadata.finalizers[="a.io/x"]'));
});

Deno.test("serverSideApply() follows the OpenAPI list and map types", async (t) => {
  await t.step("container ports are keyed by containerPort and the defaulted protocol", () => {
    const cfg = podConfig("nginx", { ports: [{ containerPort: 80 }] });
    const created = apply(undefined, cfg, "kubectl");
    const fields = decodeFieldsV1(entry(created, "kubectl")?.fieldsV1);
    assert.ok(
      fields.paths().map(formatPath).includes(
        '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
      ),
    );
    // The server defaults protocol; the next apply without it still finds the same item.
    const live = structuredClone(created) as { spec: { containers: { ports: Obj[] }[] } };
    live.spec.containers[0]!.ports[0]!.protocol = "TCP";
    const again = apply(live as unknown as Obj, cfg, "kubectl");
    assert.deepEqual((again.spec as { containers: { ports: Obj[] }[] }).containers[0]?.ports, [
      { containerPort: 80, protocol: "TCP" },
    ]);
  });
  await t.step("an atomic map (nodeSelector) is replaced whole and owned as one field", () => {
    const first = apply(undefined, {
      ...podConfig("nginx"),
      spec: { containers: [{ name: "nginx", image: "nginx" }], nodeSelector: { a: "1", b: "2" } },
    }, "kubectl");
    assert.deepEqual(
      (entry(first, "kubectl")?.fieldsV1 as { "f:spec": Obj })["f:spec"]["f:nodeSelector"],
      {},
    );
    const next = apply(first, {
      ...podConfig("nginx"),
      spec: { containers: [{ name: "nginx", image: "nginx" }], nodeSelector: { c: "3" } },
    }, "kubectl");
    assert.deepEqual((next.spec as Obj).nodeSelector, { c: "3" });
  });
  await t.step("an atomic list (args) is replaced whole", () => {
    const first = apply(undefined, podConfig("nginx", { args: ["-a", "-b"] }), "kubectl");
    const next = apply(first, podConfig("nginx", { args: ["-c"] }), "kubectl");
    assert.deepEqual((next.spec as { containers: Obj[] }).containers[0]?.args, ["-c"]);
  });
});

Deno.test("serverSideApply() names subresource writers in conflicts (kubectl scale)", () => {
  const dep = (replicas: number): Obj => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: { replicas, selector: { matchLabels: { app: "web" } } },
  });
  const applied = apply(undefined, dep(1), "kubectl");
  const scaled = updateManagedFields(applied, {
    ...applied,
    spec: { ...(applied.spec as Obj), replicas: 5 },
  }, {
    manager: "kubectl",
    kind: "Deployment",
    now: T1,
    subresource: "scale",
  });
  assert.deepEqual(
    managed(scaled).map((e) => [e.manager, e.operation, e.subresource ?? "", e.fieldsV1]),
    [
      ["kubectl", "Apply", "", { "f:spec": { "f:selector": {} } }],
      ["kubectl", "Update", "scale", { "f:spec": { "f:replicas": {} } }],
    ],
  );
  assert.throws(() => apply(scaled, dep(1), "kubectl"), {
    code: 409,
    message: 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" ' +
      "using apps/v1 at 2026-11-30T09:00:00Z: .spec.replicas",
  });
  // Applying the scaled value is no conflict: ownership is shared.
  const agreed = apply(scaled, dep(5), "kubectl");
  assert.equal((agreed.spec as Obj).replicas, 5);
});

Deno.test("serverSideApply() upgrades from kubectl's client-side apply", async (t) => {
  const LAST = "kubectl.kubernetes.io/last-applied-configuration";
  // What `kubectl apply -f` (client-side) leaves: the annotation and an Update entry of
  // kubectl-client-side-apply owning the configuration's fields and the annotation.
  const config = podConfig("nginx:1.25");
  const csa = (live: Obj | undefined) => {
    const annotated = structuredClone(config) as Obj;
    (annotated.metadata as Obj).annotations = { [LAST]: JSON.stringify(config) + "\n" };
    return updateManagedFields(live, annotated, {
      manager: "kubectl-client-side-apply",
      kind: "Pod",
      now: T0,
    });
  };
  const live = csa(undefined);
  const changed = podConfig("nginx:1.26");

  await t.step("another manager still conflicts on the fields client-side apply set", () => {
    assert.throws(
      () => apply(live, changed, "ci"),
      (e: unknown) =>
        e instanceof ApplyConflictError &&
        e.message.startsWith(
          'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"',
        ),
    );
  });

  await t.step("manager kubectl takes them over and keeps the annotation current", () => {
    const out = apply(live, changed, "kubectl", false, T1);
    assert.equal((out.spec as { containers: Obj[] }).containers[0]?.image, "nginx:1.26");
    const mine = decodeFieldsV1(entry(out, "kubectl")?.fieldsV1);
    assert.ok(mine.paths().some((p) => formatPath(p) === '.spec.containers[name="nginx"].image'));
    const theirs = decodeFieldsV1(entry(out, "kubectl-client-side-apply")?.fieldsV1);
    assert.ok(!theirs.paths().some((p) => formatPath(p).endsWith(".image")));
    const annotation = ((out.metadata as Obj).annotations as Record<string, string>)[LAST]!;
    assert.ok(annotation.endsWith("}\n"));
    assert.deepEqual(JSON.parse(annotation), changed);
  });

  await t.step("a field changed since the last client-side apply still conflicts", () => {
    // kubectl-edit changed the image after the client-side apply: the annotation no longer
    // describes the live value, so kubectl's server-side apply must not silently take it.
    const edited = updateManagedFields(live, podConfigWithAnnotation(live, "nginx:edited"), {
      manager: "kubectl-edit",
      kind: "Pod",
      now: T0,
    });
    assert.throws(
      () => apply(edited, changed, "kubectl"),
      (e: unknown) =>
        e instanceof ApplyConflictError && e.conflicts.length === 1 &&
        e.conflicts[0]!.manager === "kubectl-edit",
    );
  });

  await t.step("without the annotation the conflicts stand", () => {
    const bare = structuredClone(live) as Obj;
    delete (bare.metadata as Obj).annotations;
    assert.throws(() => apply(bare, changed, "kubectl"), ApplyConflictError);
  });

  await t.step("an object without the annotation does not get one", () => {
    const out = apply(undefined, changed, "kubectl");
    assert.equal((out.metadata as Obj).annotations, undefined);
  });
});

function podConfigWithAnnotation(live: Obj, image: string): Obj {
  const next = structuredClone(live) as Obj;
  delete (next.metadata as Obj).managedFields;
  ((next.spec as { containers: Obj[] }).containers[0] as Obj).image = image;
  return next;
}
