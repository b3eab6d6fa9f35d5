/** Unit tests of the ServiceAccount admission plugin (service_account_admission.ts). */
import assert from "node:assert/strict";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import {
  mountServiceAccountToken,
  SERVICE_ACCOUNT_MOUNT_PATH,
  ServiceAccountAdmission,
  serviceAccountTokenVolume,
} from "./service_account_admission.ts";

type Obj = Record<string, unknown>;

function pod(spec: Obj, meta: Obj = {}): ApiObject {
  return { metadata: { name: "web", namespace: "team", ...meta }, spec };
}

function admission(
  accounts: Record<string, Obj>,
  mountToken = true,
): ServiceAccountAdmission {
  return new ServiceAccountAdmission({
    serviceAccount: (ns, name) => {
      const sa = accounts[`${ns}/${name}`];
      return Promise.resolve(sa ? { metadata: { name, namespace: ns }, ...sa } : undefined);
    },
    mountToken,
  });
}

const mounts = (c: unknown) => (c as { volumeMounts?: Obj[] }).volumeMounts ?? [];

Deno.test("ServiceAccount admission on create", async (t) => {
  await t.step("a pod without a service account gets default, its volume and mounts", async () => {
    const p = pod({
      initContainers: [{ name: "init" }],
      containers: [{ name: "a" }, { name: "b", volumeMounts: [{ name: "data", mountPath: "/d" }] }],
      volumes: [{ name: "data", emptyDir: {} }],
    });
    await admission({ "team/default": {} }).admitPod(p);
    const spec = p.spec as Obj;
    assert.equal(spec.serviceAccountName, "default");
    assert.equal(spec.serviceAccount, "default");
    const volumes = spec.volumes as Obj[];
    assert.equal(volumes.length, 2);
    const name = String(volumes[1]!.name);
    assert.match(name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volumes[1], serviceAccountTokenVolume(name));
    const want = { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
    for (const c of [...(spec.initContainers as Obj[]), ...(spec.containers as Obj[])]) {
      assert.deepEqual(mounts(c).at(-1), want, `container ${c.name}`);
    }
    assert.equal(mounts((spec.containers as Obj[])[1]).length, 2);
  });

  await t.step("the volume is the one the ServiceAccount admission plugin builds", () => {
    assert.deepEqual(serviceAccountTokenVolume("kube-api-access-x"), {
      name: "kube-api-access-x",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          {
            downwardAPI: {
              items: [{
                path: "namespace",
                fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
              }],
            },
          },
        ],
      },
    });
  });

  await t.step("a missing service account is 403 with kube's message", async () => {
    const p = pod({ serviceAccountName: "builder", containers: [{ name: "a" }] });
    await assert.rejects(admission({ "team/default": {} }).admitPod(p), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 403);
      assert.equal(
        e.message,
        'pods "web" is forbidden: error looking up service account team/builder: serviceaccount "builder" not found',
      );
      return true;
    });
  });

  await t.step("the deprecated serviceAccount is set from serviceAccountName", async () => {
    const p = pod({ serviceAccountName: "builder", containers: [{ name: "a" }] });
    await admission({ "team/builder": {} }).admitPod(p);
    assert.equal((p.spec as Obj).serviceAccount, "builder");
  });

  await t.step("automountServiceAccountToken: the pod's wins over the account's", async () => {
    const cases: [Obj, Obj, boolean][] = [
      [{ automountServiceAccountToken: false }, {}, false],
      [{}, { automountServiceAccountToken: false }, false],
      [{ automountServiceAccountToken: false }, { automountServiceAccountToken: true }, true],
      [{ automountServiceAccountToken: true }, {}, true],
    ];
    for (const [sa, podFields, mounted] of cases) {
      const p = pod({ containers: [{ name: "a" }], ...podFields });
      await admission({ "team/default": sa }).admitPod(p);
      const spec = p.spec as Obj;
      assert.equal(Array.isArray(spec.volumes), mounted, JSON.stringify([sa, podFields]));
      assert.equal(mounts((spec.containers as Obj[])[0]).length, mounted ? 1 : 0);
    }
  });

  await t.step("with the volume switched off only the account is set and checked", async () => {
    const p = pod({ containers: [{ name: "a" }] });
    await admission({ "team/default": {} }, false).admitPod(p);
    assert.equal((p.spec as Obj).serviceAccountName, "default");
    assert.equal((p.spec as Obj).volumes, undefined);
    await assert.rejects(
      admission({}, false).admitPod(pod({ containers: [{ name: "a" }] })),
      /serviceaccount "default" not found/,
    );
  });

  await t.step("a pod without imagePullSecrets gets the account's", async () => {
    const p = pod({ containers: [{ name: "a" }] });
    await admission({ "team/default": { imagePullSecrets: [{ name: "reg" }] } }).admitPod(p);
    assert.deepEqual((p.spec as Obj).imagePullSecrets, [{ name: "reg" }]);
    const own = pod({ containers: [{ name: "a" }], imagePullSecrets: [{ name: "mine" }] });
    await admission({ "team/default": { imagePullSecrets: [{ name: "reg" }] } }).admitPod(own);
    assert.deepEqual((own.spec as Obj).imagePullSecrets, [{ name: "mine" }]);
  });

  await t.step("mirror pods are left alone", async () => {
    const p = pod({ containers: [{ name: "a" }] }, {
      annotations: { "kubernetes.io/config.mirror": "abc" },
    });
    await admission({}).admitPod(p);
    assert.deepEqual(p.spec, { containers: [{ name: "a" }] });
  });

  await t.step("an update keeps the service account the pod was created with", async () => {
    const old = pod({ serviceAccountName: "builder", containers: [{ name: "a" }] });
    const next = pod({ containers: [{ name: "a" }] });
    await admission({}).admitPod(next, old);
    assert.equal((next.spec as Obj).serviceAccountName, "builder");
    assert.equal((next.spec as Obj).volumes, undefined);
  });
});

Deno.test("mountServiceAccountToken() reuses volumes and keeps existing mounts", async (t) => {
  await t.step("an existing kube-api-access volume is reused, not added again", () => {
    const spec: Obj = {
      containers: [{ name: "a" }],
      volumes: [{ name: "kube-api-access-old12", projected: { sources: [] } }],
    };
    mountServiceAccountToken(spec, () => assert.fail("no new name needed"));
    assert.equal((spec.volumes as Obj[]).length, 1);
    assert.equal(mounts((spec.containers as Obj[])[0])[0]!.name, "kube-api-access-old12");
  });
  await t.step("a container mounting the path already is left as it is", () => {
    const own = { name: "mine", mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
    const spec: Obj = { containers: [{ name: "a", volumeMounts: [own] }] };
    mountServiceAccountToken(spec, () => "kube-api-access-new12");
    assert.deepEqual(mounts((spec.containers as Obj[])[0]), [own]);
    assert.equal(spec.volumes, undefined, "no container needed the volume");
  });
});
