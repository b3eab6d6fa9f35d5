/**
 * Root, real parts (etcd, `rks start` listening on the test bridge's address, one `rkl daemon
 * --cluster` in a network namespace of its own with its service proxy and cluster DNS, runc,
 * conmon, CNI plugins, busybox, and the real kubectl): a pod reaches the API as in-cluster
 * workloads do. Its containers have the `kube-api-access-*` volume at
 * `/var/run/secrets/kubernetes.io/serviceaccount` (`token`, `ca.crt`, `namespace`) and the
 * `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` variables of the `default/kubernetes`
 * Service; the kubectl binary (static Go, mounted from the host with a `hostPath` volume) uses
 * its in-cluster configuration from them, through the node's service proxy (10.96.0.1:443 →
 * rks's advertise address) and through the cluster DNS name `kubernetes.default.svc`, and is
 * `system:serviceaccount:default:default`. A forged token gets 401.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testBundles, waitFor } from "../../core/testing.ts";
import { startRksWithNodeNetwork } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };
/** The real kubectl 1.32 behind the machine's `/usr/bin/kubectl` dispatcher (a static binary). */
const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

const clientPod = `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
      env: [{name: HOME, value: /tmp}]
      volumeMounts: [{name: kubectl, mountPath: /usr/local/bin/kubectl, readOnly: true}]
  volumes:
    - name: kubectl
      hostPath: {path: ${KUBECTL}, type: File}
`;

function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const b64 = part.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)));
}

Deno.test({
  name:
    "in-cluster API access: a pod's kubectl uses the service account token, 10.96.0.1 and kubernetes.default.svc",
  ignore: !(await Deno.stat(KUBECTL).then(() => true, () => false)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startRksWithNodeNetwork(1, {
      prefix: "rk8s-incluster-",
      apiOnBridge: true,
      timeoutMs: long.timeoutMs,
    });
    const kubectl = c.rks.kubectl;
    const ok = async (args: string[], stdin?: string) => {
      const r = await kubectl(args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    /** A command in the client pod (`kubectl exec`). */
    const inPod = (argv: string[]) => kubectl(["exec", "client", "--", ...argv]);
    const node = c.nodes[0]!;
    try {
      c.startNode(node);
      await waitFor("the node to be Ready", async () => {
        const r = await kubectl(["get", "nodes", "--no-headers"]);
        return /\sReady\s/.test(r.stdout);
      }, long);
      await ok(["apply", "-f", "-"], clientPod);
      await waitFor("pod client Running", async () => {
        const r = await kubectl(["get", "pod", "client", "-o", "jsonpath={.status.phase}"]);
        return r.stdout === "Running";
      }, long);
    } catch (e) {
      throw c.explain(e as Error);
    }

    await t.step("the token volume and the kubernetes Service's variables are there", async () => {
      const env = await inPod(["env"]);
      assert.equal(env.code, 0, env.stderr);
      assert.match(env.stdout, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
      assert.match(env.stdout, /^KUBERNETES_SERVICE_PORT=443$/m);
      assert.match(env.stdout, /^KUBERNETES_PORT=tcp:\/\/10\.96\.0\.1:443$/m);
      const ns = await inPod(["cat", `${SA_DIR}/namespace`]);
      assert.equal(ns.stdout, "default", ns.stderr);
      const ca = await inPod(["cat", `${SA_DIR}/ca.crt`]);
      assert.equal(ca.stdout, await Deno.readTextFile(join(c.rks.dataDir, "pki", "ca.crt")));
      const token = (await inPod(["cat", `${SA_DIR}/token`])).stdout;
      const claims = jwtPayload(token);
      assert.equal(claims.sub, "system:serviceaccount:default:default");
      assert.deepEqual(claims.aud, ["https://kubernetes.default.svc.cluster.local"]);
      const k8s = claims["kubernetes.io"] as { pod?: { name?: string } } | undefined;
      assert.equal(k8s?.pod?.name, "client");
      const write = await inPod(["touch", `${SA_DIR}/x`]);
      assert.notEqual(write.code, 0, "the token volume is read-only");
    });

    await t.step(
      "kubectl in the pod (in-cluster config) lists pods through 10.96.0.1",
      async () => {
        // The node's service proxy may take a moment to have the kubernetes Service's rules.
        const r = await waitFor("an answer through 10.96.0.1", async () => {
          const r = await inPod(["kubectl", "get", "pods", "-o", "name", "-v=6"]);
          return r.code === 0 ? r : undefined;
        }, { timeoutMs: 60_000, intervalMs: 1000 }).catch(async (e) => {
          const last = await inPod(["kubectl", "get", "pods", "-v=6"]);
          throw c.explain(new Error(`${e.message}\nlast try: ${last.stdout}${last.stderr}`));
        });
        assert.match(r.stdout, /^pod\/client$/m);
        // The in-cluster configuration: the Service's address, not a kubeconfig.
        assert.match(
          r.stderr,
          /GET https:\/\/10\.96\.0\.1:443\/api\/v1\/namespaces\/default\/pods/,
        );
        const who = await inPod([
          "kubectl",
          "auth",
          "whoami",
          "-o",
          "jsonpath={.status.userInfo.username}",
        ]);
        assert.equal(who.code, 0, who.stderr);
        assert.equal(who.stdout, "system:serviceaccount:default:default");
        const groups = await inPod([
          "kubectl",
          "auth",
          "whoami",
          "-o",
          "jsonpath={.status.userInfo.groups}",
        ]);
        assert.deepEqual(JSON.parse(groups.stdout), [
          "system:serviceaccounts",
          "system:serviceaccounts:default",
          "system:authenticated",
        ]);
      },
    );

    await t.step("kubernetes.default.svc resolves through the cluster DNS and serves", async () => {
      const conf = await inPod(["cat", "/etc/resolv.conf"]);
      assert.match(
        conf.stdout,
        /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m,
      );
      assert.match(conf.stdout, /^options ndots:5$/m);
      // busybox's nslookup applies no search domain to a name with a dot: the full name.
      const ns = await inPod(["nslookup", "kubernetes.default.svc.cluster.local"]);
      assert.equal(ns.code, 0, `${ns.stdout}${ns.stderr}`);
      assert.match(ns.stdout, /Address:\s*10\.96\.0\.1\b/);
      // The same in-cluster configuration with the Service's short DNS name as its host (Go's
      // resolver completes it from the search list; the serving certificate must name it).
      const r = await inPod([
        "env",
        "KUBERNETES_SERVICE_HOST=kubernetes.default.svc",
        "kubectl",
        "get",
        "pods",
        "-o",
        "name",
        "-v=6",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^pod\/client$/m);
      assert.match(r.stderr, /GET https:\/\/kubernetes\.default\.svc:443\/api\/v1\//);
      const fqdn = await inPod([
        "kubectl",
        "--server",
        "https://kubernetes.default.svc.cluster.local",
        "--certificate-authority",
        `${SA_DIR}/ca.crt`,
        "--token",
        (await inPod(["cat", `${SA_DIR}/token`])).stdout,
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
      ]);
      assert.equal(fqdn.code, 0, fqdn.stderr);
      assert.equal(fqdn.stdout, "system:serviceaccount:default:default");
    });

    await t.step("a forged token is refused with 401", async () => {
      const token = (await inPod(["cat", `${SA_DIR}/token`])).stdout;
      const i = token.length - 10;
      const forged = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      const r = await inPod(["kubectl", "--token", forged, "get", "pods"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized/);
    });
  },
});
