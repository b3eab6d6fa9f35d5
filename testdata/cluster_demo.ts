/**
 * The cluster part of `deno task demo`: etcd, `rks start` and two nodes — each `rkl daemon
 * --cluster` joined with the command `rks token create` prints, in a network namespace of its
 * own on a private bridge (10.250.N.0/24) — driven by the real `kubectl`, as a user would: a
 * Deployment from an image reference, pods on both nodes, pod to pod across nodes, a Service by
 * ClusterIP and by DNS name, logs, scaling and deletion. Everything it starts is stopped and
 * removed at the end, also when a step fails.
 *
 * @module
 */
import { join } from "node:path";
import { testBundles } from "../core/testing.ts";
import { startRksWithNodeNetwork } from "../plane/node_agent/_cluster_testing.ts";

const enc = new TextEncoder();
const write = (t: string) => void Deno.stdout.writeSync(enc.encode(t));
let failures = 0;

function section(title: string): void {
  write(`\n==== ${title} ====\n`);
}

function quote(a: string): string {
  return /^[\w./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`;
}

/** Polls `check` every 500 ms for up to `ms`; a miss counts as a failure of the demo. */
async function waitUntil(what: string, check: () => Promise<boolean>, ms = 180_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  failures++;
  write(`!! ${what}: not within ${ms / 1000} s\n`);
  return false;
}

write("\nrk8s cluster demo — rks, etcd and 2 nodes in network namespaces of their own\n");
section("cluster: rks + 2 nodes joined over QUIC, driven by the real kubectl");
const cluster = await startRksWithNodeNetwork(2, { prefix: "rk8s-demo-" });
try {
  const { rks } = cluster;
  /** Prints and runs `kubectl ARGS`; returns its stdout. `expect` is the exit code that is ok. */
  const kubectl = async (args: string[], expect = 0): Promise<string> => {
    write(`\n$ kubectl ${args.map(quote).join(" ")}\n`);
    const r = await rks.kubectl(args);
    write(r.stdout + r.stderr);
    if (r.code !== expect) {
      failures++;
      write(`!! exit code ${r.code}, expected ${expect}\n`);
    }
    return r.stdout;
  };
  const quiet = async (args: string[]) => (await rks.kubectl(args)).stdout;

  // The nodes find `busybox` in their image directory (rk8s never pulls).
  const images = join(cluster.dir, "images");
  await Deno.mkdir(images);
  await Deno.symlink(testBundles.busybox, join(images, "busybox"));
  write(`\n# rks token create printed the join command; each node runs it in its netns:\n`);
  write(`# ${rks.joinCommand.replace(/--token \S+/, "--token <redacted>")}\n`);
  for (const n of cluster.nodes) cluster.startNode(n, ["--image-dir", images]);
  await waitUntil("2 Ready nodes", async () => {
    return ((await quiet(["get", "nodes", "--no-headers"])).match(/\sReady\s/g) ?? []).length ===
      2;
  });
  await kubectl(["get", "nodes", "-o", "wide"]);

  write("\n# a Deployment from an image reference; the scheduler spreads it over both nodes\n");
  await kubectl([
    "create",
    "deployment",
    "web",
    "--image=busybox",
    "--replicas=4",
    "--port=8080",
    "--",
    "sh",
    "-c",
    // sh is PID 1 and exits on SIGTERM (PID 1 ignores signals it has no handler for).
    'trap "exit 0" TERM; mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && httpd -f -vv -p 8080 -h /www & wait',
  ]);
  await kubectl(["rollout", "status", "deployment/web", "--timeout=180s"]);
  await kubectl(["get", "pods", "-o", "wide"]);

  const pods = JSON.parse(await quiet(["get", "pods", "-l", "app=web", "-o", "json"])) as {
    items: { metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }[];
  };
  const on1 = pods.items.find((p) => p.spec.nodeName === "node-1");
  const on2 = pods.items.find((p) => p.spec.nodeName === "node-2");
  if (!on1 || !on2) {
    failures++;
    write("!! expected pods on both nodes\n");
  } else {
    write(`\n# pod to pod across nodes: ${on1.metadata.name} (node-1) → ${on2.status.podIP}\n`);
    await kubectl([
      "exec",
      on1.metadata.name,
      "--",
      "timeout",
      "5",
      "wget",
      "-qO-",
      `http://${on2.status.podIP}:8080/`,
    ]);
    await kubectl(["expose", "deployment", "web", "--port=80", "--target-port=8080"]);
    await waitUntil("the Service's endpoints", async () => {
      const eps = await quiet([
        "get",
        "endpoints",
        "web",
        "-o",
        "jsonpath={.subsets[*].addresses[*].ip}",
      ]);
      return eps.trim().split(/\s+/).filter(Boolean).length === 4;
    });
    await kubectl(["get", "service,endpointslices", "-o", "wide"]);
    write("\n# the Service by its DNS name (cluster DNS, ClusterIP load-balanced by the node)\n");
    for (let i = 0; i < 2; i++) {
      await kubectl([
        "exec",
        on2.metadata.name,
        "--",
        "timeout",
        "5",
        "wget",
        "-qO-",
        "http://web.default.svc.cluster.local/",
      ]);
    }
    write("\n# httpd's access log (-vv) of every replica, through rks and each pod's node\n");
    await kubectl(["logs", "-l", "app=web", "--prefix", "--tail=3"]);
  }

  write("\n# scale down: the ReplicaSet removes pods, graceful deletion on the nodes\n");
  await kubectl(["scale", "deployment/web", "--replicas=1"]);
  await waitUntil("1 pod left", async () => {
    return (await quiet(["get", "pods", "-l", "app=web", "--no-headers"])).trim().split("\n")
      .filter(Boolean).length === 1;
  });
  await kubectl(["get", "deployment,replicaset,pods", "-o", "wide"]);
  await kubectl(["delete", "service,deployment", "web"]);
  await waitUntil("every pod gone", async () => {
    return (await quiet(["get", "pods", "--no-headers"])).trim() === "";
  });
  await kubectl(["get", "events", "--field-selector", "reason=Scheduled", "--no-headers"]);
} catch (e) {
  failures++;
  write(`!! ${e instanceof Error ? e.message : String(e)}\n`);
} finally {
  // Stops both daemons, removes every pod of both node roots, stops rks and etcd, deletes the
  // namespaces and the temporary directory.
  await cluster[Symbol.asyncDispose]();
}

write(
  failures === 0
    ? "\ncluster demo finished: every step behaved as expected\n"
    : `\ncluster demo finished with ${failures} unexpected result(s)\n`,
);
if (failures > 0) Deno.exitCode = 1;
