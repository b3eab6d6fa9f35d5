/**
 * `rkl pod create|list|delete --cluster ADDR` against a real rks API server (real etcd), with
 * the credentials rks wrote (CA and token files) or a kubeconfig.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "./main.ts";
import { startTestCluster } from "../plane/apiserver/_testing.ts";

Deno.test({
  name: "rkl pod create|list|delete --cluster work against rks",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    const addr = c.server.url.replace("https://", "");
    const file = join(c.dir, "pod.yaml");
    await Deno.writeTextFile(
      file,
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\n" +
        "spec:\n  containers: [{name: c, image: busybox:1.36}]\n",
    );
    const rkl = async (argv: string[], env: Record<string, string>) => {
      let out = "";
      let err = "";
      const io = {
        stdout: (s: string) => void (out += s),
        stderr: (s: string) => void (err += s),
        env,
        cwd: c.dir,
      };
      const code = await main(argv, io);
      return { code, out, err };
    };
    const files = { RKS_DATA_DIR: c.dir }; // pki/ca.crt and pki/admin.token, as rks writes them

    await t.step("create through the API with rks's CA and token files", async () => {
      const r = await rkl(["pod", "create", "pod.yaml", "--cluster", addr], files);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "web\n");
      const got = await c.kubectl(["get", "pod", "web", "-o", "jsonpath={.spec.restartPolicy}"]);
      assert.equal(got.stdout, "Always");
      const again = await rkl(["pod", "create", "pod.yaml", "--cluster", addr], files);
      assert.equal(again.code, 1);
      assert.match(again.err, /Error from server \(AlreadyExists\): pods "web" already exists/);
    });

    await t.step(
      "the original format: relative paths made absolute, labels.bundle as an annotation",
      async () => {
        await Deno.writeTextFile(
          join(c.dir, "orig.yaml"),
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: orig\n" +
            "  labels: { app: my-app, bundle: ./bundles/pause }\n" +
            "spec:\n  containers:\n    - name: main\n      image: ./bundles/busybox\n" +
            "      args: [sleep, '1']\n",
        );
        const r = await rkl(["pod", "create", "orig.yaml", "--cluster", addr], files);
        assert.equal(r.code, 0, r.err);
        const got = JSON.parse((await c.kubectl(["get", "pod", "orig", "-o", "json"])).stdout);
        assert.equal(got.spec.containers[0].image, join(c.dir, "bundles/busybox"));
        assert.deepEqual(got.metadata.labels, { app: "my-app" });
        assert.equal(
          got.metadata.annotations["rk8s.io/pause-bundle"],
          join(c.dir, "bundles/pause"),
        );
        await c.kubectl(["delete", "pod", "orig", "--grace-period=0", "--force"]);
        await Deno.writeTextFile(
          join(c.dir, "bad.yaml"),
          "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: x\n      image: ./i\n      ports: [{containerPort: 99999}]\n",
        );
        const bad = await rkl(["pod", "create", "bad.yaml", "--cluster", addr], files);
        assert.equal(bad.code, 1);
        assert.match(
          bad.err,
          /bad\.yaml:8:\d+: .*spec\.containers\[0\]\.ports\[0\]\.containerPort/,
        );
      },
    );

    await t.step("list as the server's Table, as JSON, and -q, with RKS_ADDRESS", async () => {
      const env = { ...files, RKS_ADDRESS: addr };
      const table = await rkl(["pod", "list"], env);
      assert.equal(table.code, 0, table.err);
      assert.match(table.out, /^NAME\b/);
      assert.match(table.out, /^web\s/m);
      const all = await rkl(["pod", "list", "-A"], env);
      assert.match(all.out, /^default\s+web\s/m);
      const json = await rkl(["pod", "list", "-o", "json"], env);
      assert.equal(JSON.parse(json.out).items[0].metadata.name, "web");
      assert.equal((await rkl(["pod", "list", "-q"], env)).out, "web\n");
    });

    await t.step("delete with a kubeconfig; then nothing is listed", async () => {
      const env = { KUBECONFIG: c.kubeconfig };
      const r = await rkl(["pod", "delete", "web", "--cluster", addr], env);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "web\n");
      const empty = await rkl(["pod", "list", "--cluster", addr], env);
      assert.match(empty.err, /No resources found in default namespace\./);
      const missing = await rkl(["pod", "delete", "web", "--cluster", addr], env);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /Error from server \(NotFound\): pods "web" not found/);
    });

    await t.step("missing credentials and bad addresses are one-line errors", async () => {
      const none = await rkl(["pod", "list", "--cluster", addr], { RKS_DATA_DIR: "/nonexistent" });
      assert.equal(none.code, 1);
      assert.match(
        none.err,
        /No credentials for .*: \/nonexistent\/pki\/ca\.crt and admin\.token are missing/,
      );
      const bad = await rkl(["pod", "list", "--cluster", "http://x:1"], files);
      assert.match(bad.err, /expected HOST:PORT or https:\/\/HOST:PORT/);
    });
  },
});
