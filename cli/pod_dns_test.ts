/**
 * What a pod on the CLI's CNI network sees, as root with the real runtime, conmon and plugins:
 * the kubelet's `hostname.subdomain.namespace.svc.cluster.local` line in /etc/hosts, the
 * resolv.conf that `dnsPolicy: None` + `dnsConfig` make, and `lifecycle.stopSignal` being the
 * signal `rkl pod stop` sends. No traffic leaves the pod.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { projectDir as repo, type RklResult, runRkl } from "./testing.ts";

function rkl(root: string, ...argv: string[]): Promise<RklResult> {
  return runRkl(["--root", root, ...argv]);
}

async function cleanup(root: string): Promise<void> {
  const list = await rkl(root, "pod", "list", "-n", "dns", "-q");
  for (const name of list.out.split("\n").filter(Boolean)) {
    await rkl(root, "pod", "rm", "-f", "-n", "dns", name);
  }
}

rootTest("a CNI pod has the FQDN line, its dnsConfig resolv.conf and its stop signal", async () => {
  await using dir = await tempDir("rkl-pod-dns-");
  const busybox = join(repo, "testdata/bundles/busybox");
  const manifest = join(dir.path, "pod.yaml");
  // sh as PID 1 ignores SIGTERM (no handler), so only SIGUSR1 makes it exit 0 at once; with
  // SIGTERM it would be killed after the grace period (137).
  await Deno.writeTextFile(
    manifest,
    `apiVersion: v1
kind: Pod
metadata: { name: dnspod, namespace: dns }
spec:
  hostname: web-0
  subdomain: web
  os: { name: linux }
  terminationGracePeriodSeconds: 60
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.53]
    searches: [dns.svc.cluster.local, example.org]
    options: [{ name: ndots, value: "5" }, { name: edns0 }]
  containers:
    - name: app
      image: ${busybox}
      command: [sh, -c, "trap 'exit 0' USR1; while true; do sleep 0.2; done"]
      lifecycle: { stopSignal: SIGUSR1 }
`,
  );
  try {
    const ran = await rkl(dir.path, "pod", "run", manifest);
    assert.equal(ran.code, 0, ran.err);
    const cat = async (file: string) => {
      const r = await rkl(dir.path, "pod", "exec", "-n", "dns", "dnspod", "--", "cat", file);
      assert.equal(r.code, 0, r.err);
      return r.out;
    };
    const state = JSON.parse(
      (await rkl(dir.path, "pod", "list", "-n", "dns", "-o", "json")).out,
    ) as { ip: string }[];
    const ip = state[0]!.ip;
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, "the pod is on a CNI network");
    const hosts = await cat("/etc/hosts");
    assert.match(
      hosts,
      new RegExp(
        `^${ip.replaceAll(".", "\\.")}\\tweb-0\\.web\\.dns\\.svc\\.cluster\\.local\\tweb-0`,
        "m",
      ),
      hosts,
    );
    assert.equal(
      await cat("/etc/resolv.conf"),
      "nameserver 192.0.2.53\nsearch dns.svc.cluster.local example.org\noptions ndots:5 edns0\n",
    );

    const started = Date.now();
    const stop = await rkl(dir.path, "pod", "stop", "-n", "dns", "dnspod");
    assert.equal(stop.code, 0, stop.err);
    const view = JSON.parse(
      (await rkl(dir.path, "pod", "state", "-n", "dns", "-o", "json", "dnspod")).out,
    ) as { containers: { name: string; exitCode?: number }[] };
    const app = view.containers.find((c) => c.name === "app");
    assert.equal(app?.exitCode, 0, `exited on SIGUSR1: ${JSON.stringify(view.containers)}`);
    // Not a timing threshold: the 60 s grace period would have run out before SIGKILL (137).
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await cleanup(dir.path);
  }
});
