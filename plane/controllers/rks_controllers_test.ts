/**
 * The controllers as `rks` runs them: inside `rks start` (default) and as `rks controllers
 * --kubeconfig F` beside `rks start --controllers off`, through the real entry point with the
 * `rks` permission set, an embedded etcd, and the real kubectl.
 */
import {
  runKubectl as kubectl,
  startRksProcess as rks,
  stopRksProcess as stop,
} from "../apiserver/_testing.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../../core/testing.ts";
import { freePort } from "../store/etcd_server.ts";
import { testLease } from "../../core/test_lease.ts";

async function waitServing(home: string, kubeconfig: string): Promise<void> {
  await waitFor("rks to serve", async () => {
    try {
      await Deno.stat(kubeconfig);
    } catch {
      return false;
    }
    const r = await kubectl(home, kubeconfig, ["get", "--raw", "/readyz"]);
    return r.code === 0 && r.stdout.trim() === "ok";
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

async function podCount(home: string, kubeconfig: string, selector: string): Promise<number> {
  const r = await kubectl(home, kubeconfig, ["get", "pods", "-l", selector, "-o", "name"]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l.startsWith("pod/")).length;
}

Deno.test({
  name:
    "rks start runs the controllers; rks start --controllers off + rks controllers --kubeconfig",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = testLease().makeTempDir("rks-ctrl-");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const out = join(dir, "admin.kubeconfig");
    const dataDir = join(dir, "data");
    const base = ["--data-dir", dataDir, "--listen", `127.0.0.1:${freePort()}`];
    const procs: Deno.ChildProcess[] = [];
    try {
      await t.step("in-process: kubectl create deployment gets its pods", async () => {
        const p = rks(["start", ...base, "--kubeconfig-out", out]);
        procs.push(p);
        await waitServing(home, out);
        const r = await kubectl(home, out, [
          "create",
          "deployment",
          "a",
          "--image=nginx",
          "--replicas=2",
        ]);
        assert.equal(r.code, 0, r.stderr);
        await waitFor("2 pods of a", async () => await podCount(home, out, "app=a") === 2, {
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        const s = await stop(procs.pop()!);
        assert.equal(s.code, 0, s.stderr);
        assert.match(s.stderr, /controllers running/);
      });
      await t.step("separate process: nothing happens until rks controllers runs", async () => {
        procs.push(rks(["start", ...base, "--controllers", "off"]));
        await waitServing(home, out);
        const r = await kubectl(home, out, [
          "create",
          "deployment",
          "b",
          "--image=nginx",
          "--replicas=3",
        ]);
        assert.equal(r.code, 0, r.stderr);
        await new Promise((res) => setTimeout(res, 1000));
        assert.equal(await podCount(home, out, "app=b"), 0, "no controllers in rks start");
        const c = rks([
          "controllers",
          "--kubeconfig",
          out,
          "--service-account-private-key-file",
          join(dataDir, "pki", "sa.key"),
        ]);
        procs.push(c);
        await waitFor("3 pods of b", async () => await podCount(home, out, "app=b") === 3, {
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        // With the key, its tokens controller fills a token Secret that rks then accepts.
        const secret = await kubectl(
          home,
          out,
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: Secret
metadata: {name: default-token, annotations: {kubernetes.io/service-account.name: default}}
type: kubernetes.io/service-account-token
`,
        );
        assert.equal(secret.code, 0, secret.stderr);
        const token = await waitFor("the token Secret filled", async () => {
          const r = await kubectl(home, out, [
            "get",
            "secret",
            "default-token",
            "-o",
            "jsonpath={.data.token}",
          ]);
          return r.code === 0 && r.stdout !== "" ? atob(r.stdout) : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200 });
        const who = await kubectl(home, out, ["auth", "whoami", "--token", token, "-o", "json"]);
        assert.equal(who.code, 0, who.stderr);
        assert.equal(
          JSON.parse(who.stdout).status.userInfo.username,
          "system:serviceaccount:default:default",
        );
        const s = await stop(procs.pop()!);
        assert.equal(s.code, 0, s.stderr);
        assert.match(
          s.stderr,
          /controllers running against https:\/\/127\.0\.0\.1:\d+ \(.*serviceaccount-token\)/,
        );
      });
    } finally {
      for (const p of procs.reverse()) await stop(p);
      await testLease().removeDir(dir);
    }
  },
});
