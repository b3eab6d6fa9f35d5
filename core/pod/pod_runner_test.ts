/**
 * Unit tests of the pod executor and sandbox against the recording fake runtime and a fake
 * network provider (no root: no mounts, no real runtime). They check the generated OCI configs:
 * which namespaces each container joins, the pod cgroup, the network attached once per pod.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Engine, openEngine } from "../container/mod.ts";
import type { NetworkAttachment, NetworkAttachRequest, NetworkProvider } from "../network.ts";
import { rklPaths } from "../paths.ts";
import { FakeRuntime, plainDirRootfs } from "../runtime/fake_runtime.ts";
import { findContainer } from "../store/containers.ts";
import { tempDir, waitFor } from "../testing.ts";
import type { UndoStack } from "../undo.ts";
import { parsePodManifest, type PodManifest } from "./pod_manifest.ts";
import { pinnedNamespacePath, unpinNamespaces } from "./pod_namespaces.ts";
import { runPod } from "./pod_runner.ts";
import { podView } from "./pod_view.ts";
import { removePodSandbox } from "./sandbox_remove.ts";

const repo = new URL("../../", import.meta.url).pathname;

class FakeNetwork implements NetworkProvider {
  attached: NetworkAttachRequest[] = [];
  detached: string[] = [];
  fail: string | undefined;
  constructor(readonly dir: string) {}
  async attach(req: NetworkAttachRequest, undo: UndoStack): Promise<NetworkAttachment> {
    undo.push(`detach ${req.id}`, () => this.detach(req.id));
    if (this.fail) throw new Error(this.fail);
    this.attached.push(req);
    const hostsFile = join(this.dir, `${req.id}.hosts`);
    await Deno.writeTextFile(hostsFile, "");
    return {
      netnsPath: `/run/fake-netns/${req.id}`,
      ips: ["10.99.0.7"],
      hostsFile,
      resolvConfFile: hostsFile,
    };
  }
  detach(id: string): Promise<void> {
    this.detached.push(id);
    return Promise.resolve();
  }
  gc(): Promise<{ released: string[]; details: string[] }> {
    return Promise.resolve({ released: [], details: [] });
  }
}

async function withFakes(
  fn: (engine: Engine, rt: FakeRuntime, net: FakeNetwork) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir("rkl-pod-unit-");
  const rt = new FakeRuntime();
  const net = new FakeNetwork(dir.path);
  const engine = await openEngine({
    paths: rklPaths(dir.path),
    runtime: rt,
    monitor: rt,
    rootfs: plainDirRootfs,
    network: net,
  });
  try {
    await fn(engine, rt, net);
  } finally {
    engine.close();
  }
}

function manifest(spec: string): PodManifest {
  const text = `apiVersion: v1\nkind: Pod\nmetadata: { name: unit }\nspec:\n${spec}`;
  return parsePodManifest(text, "unit.yaml", { baseDir: repo, checkImage: () => undefined }).pod;
}

const img = "./testdata/bundles/busybox";

interface Ns {
  type: string;
  path?: string;
}

async function specOf(engine: Engine, name: string): Promise<{
  namespaces: Ns[];
  cgroupsPath: string;
  mounts: { destination: string; source: string }[];
  env: string[];
}> {
  const rec = findContainer(engine.db, name);
  const spec: unknown = JSON.parse(await Deno.readTextFile(join(rec.stateDir, "config.json")));
  const s = spec as {
    linux: { namespaces: Ns[]; cgroupsPath: string };
    mounts: { destination: string; source: string }[];
    process: { env: string[] };
  };
  return {
    namespaces: s.linux.namespaces,
    cgroupsPath: s.linux.cgroupsPath,
    mounts: s.mounts,
    env: s.process.env,
  };
}

Deno.test("runPod() attaches the network once and creates no pause container when nothing needs one", async () => {
  await withFakes(async (engine, rt, net) => {
    const pod = manifest(`  containers:
    - { name: a, image: ${img}, args: [sleep, "1"], ports: [{ containerPort: 80 }] }
    - name: b
      image: ${img}
      args: [sleep, "1"]
      ports: [{ containerPort: 53, protocol: UDP, hostPort: 5353 }]
      env: [{ name: IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]
`);
    const { sandbox, failure } = await runPod(engine, pod, { nodeName: "n1" });
    assert.equal(failure, undefined);
    assert.equal(net.attached.length, 1);
    assert.equal(net.attached[0]!.id, sandbox.id);
    assert.equal(net.attached[0]!.hostname, "unit");
    assert.deepEqual(net.attached[0]!.ports.map((p) => [p.containerPort, p.protocol, p.hostPort]), [
      [80, "TCP", undefined],
      [53, "UDP", 5353],
    ]);

    // No pause container (CRI-O's drop_infra_ctr): the runtime created the two app containers.
    assert.equal(sandbox.pauseContainerId, "", "the record says there is none");
    assert.deepEqual(rt.calls.filter((c) => c.op === "create").length, 2);
    assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM containers")?.n, 2);
    for (const name of ["default_unit_a", "default_unit_b"]) {
      const spec = await specOf(engine, name);
      assert.deepEqual(
        spec.namespaces.filter((n) => n.type !== "mount"),
        [
          { type: "pid" },
          { type: "network", path: `/run/fake-netns/${sandbox.id}` },
          { type: "ipc", path: pinnedNamespacePath(sandbox.stateDir, "ipc") },
          { type: "uts", path: pinnedNamespacePath(sandbox.stateDir, "uts") },
        ],
        `${name} joins the pinned IPC and UTS namespaces and the provider's network namespace`,
      );
      assert.equal(spec.cgroupsPath.startsWith(`/rkl/pod-${sandbox.id}/`), true);
    }
    const b = await specOf(engine, "default_unit_b");
    assert.ok(b.env.includes("IP=10.99.0.7"), "status.podIP resolves to the attached IP");
    assert.ok(b.mounts.some((m) => m.destination === "/etc/hosts" && m.source.endsWith(".hosts")));

    const view = await podView(engine, "unit");
    assert.equal(view.ip, "10.99.0.7");
    assert.equal(view.sandbox, "ready");
    assert.equal(view.status, "Running");
    assert.equal(view.ready, "2/2");

    // The namespaces are what the sandbox is: once they are gone (a reboot unmounts them), it
    // is not ready, as a sandbox whose pause process died.
    await unpinNamespaces(sandbox.stateDir);
    assert.equal((await podView(engine, "unit")).sandbox, "notready");

    await removePodSandbox(engine, sandbox.id);
    assert.deepEqual(net.detached, [sandbox.id]);
    assert.equal(rt.containers.size, 0);
  });
});

Deno.test("runPod() keeps the pause container of a pod that names its pause bundle", async () => {
  await withFakes(async (engine, rt) => {
    await using bundle = await tempDir("rkl-pause-bundle-");
    await Deno.mkdir(join(bundle.path, "rootfs"));
    await Deno.writeFile(join(bundle.path, "rootfs", "pause"), new Uint8Array());
    const pod = { ...manifest(`  containers: [{ name: a, image: ${img}, args: [sleep, "1"] }]\n`) };
    pod.pauseBundle = bundle.path;
    const { sandbox } = await runPod(engine, pod);
    assert.ok(sandbox.pauseContainerId);
    const pause = findContainer(engine.db, `pause_${sandbox.id}`);
    assert.equal(pause.image, bundle.path);
    assert.equal(rt.containers.get(pause.id)?.status, "running");
    // It joins the pinned namespaces as the app container does.
    const spec = await specOf(engine, `pause_${sandbox.id}`);
    assert.deepEqual(
      spec.namespaces.filter((n) => n.type === "ipc"),
      [{ type: "ipc", path: pinnedNamespacePath(sandbox.stateDir, "ipc") }],
    );
    assert.equal((await podView(engine, "unit")).sandbox, "ready");
    await removePodSandbox(engine, sandbox.id);
    assert.equal(rt.containers.size, 0);
  });
});

Deno.test("runPod() shares the PID namespace only with shareProcessNamespace; hostNetwork skips CNI", async () => {
  await withFakes(async (engine, rt, net) => {
    const pod = manifest(`  shareProcessNamespace: true
  hostNetwork: true
  containers: [{ name: a, image: ${img}, args: [sleep, "1"] }]
`);
    const { sandbox } = await runPod(engine, pod);
    assert.equal(net.attached.length, 0);
    const pausePid = rt.containers.get(findContainer(engine.db, `pause_${sandbox.id}`).id)!.pid;
    const a = await specOf(engine, "default_unit_a");
    assert.deepEqual(a.namespaces.filter((n) => n.type !== "mount"), [
      { type: "pid", path: `/proc/${pausePid}/ns/pid` },
      { type: "ipc", path: `/proc/${pausePid}/ns/ipc` },
    ]);
    assert.ok(a.mounts.some((m) => m.destination === "/etc/hosts" && m.source === "/etc/hosts"));
    await removePodSandbox(engine, sandbox.id);
  });
});

Deno.test("runPod() runs init containers one at a time and fails the pod on a non-zero exit", async (t) => {
  const spec = `  restartPolicy: Never
  initContainers:
    - { name: one, image: ${img}, command: ["true"] }
    - { name: two, image: ${img}, command: ["false"] }
  containers: [{ name: app, image: ${img}, args: [sleep, "1"] }]
`;
  const started = (engine: Engine, rt: FakeRuntime, name: string) => () => {
    const row = engine.db.get("SELECT id FROM containers WHERE name = ?", name);
    const id = typeof row?.id === "string" ? row.id : undefined;
    return id !== undefined && rt.containers.get(id)?.status === "running" ? id : undefined;
  };
  for (const [code, expected] of [[0, "Running"], [3, "Init:Error"]] as const) {
    await t.step(`second init container exits ${code}`, async () => {
      await withFakes(async (engine, rt) => {
        const running = runPod(engine, manifest(spec));
        const one = await waitFor("init one to run", started(engine, rt, "default_unit_one"));
        // "two" is not even created while "one" runs (and there is no pause container).
        assert.equal(rt.calls.filter((c) => c.op === "create").length, 1);
        rt.exit(one, 0);
        const two = await waitFor("init two to run", started(engine, rt, "default_unit_two"));
        rt.exit(two, code);
        const { sandbox, failure } = await running;
        const view = await podView(engine, "unit");
        assert.equal(view.status, expected);
        if (code === 0) {
          assert.equal(failure, undefined);
          assert.equal(view.containers.find((c) => c.name === "app")?.state, "running");
        } else {
          assert.deepEqual(failure, {
            reason: 'init container "two" failed with exit code 3',
            container: "two",
            exitCode: 3,
          });
          assert.equal(view.containers.find((c) => c.name === "app")?.state, "waiting");
          assert.equal(rt.calls.filter((c) => c.op === "create").length, 2, "app never created");
        }
        await removePodSandbox(engine, sandbox.id);
      });
    });
  }
});

Deno.test("runPod() undoes everything when the network attach fails", async () => {
  await withFakes(async (engine, rt, net) => {
    net.fail = "no more addresses in 10.99.0.0/24";
    await assert.rejects(
      runPod(engine, manifest(`  containers: [{ name: a, image: ${img}, args: [sleep, "1"] }]\n`)),
      /no more addresses/,
    );
    assert.equal(net.detached.length, 1, "the provider's own undo ran");
    assert.equal(rt.containers.size, 0);
    assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM pod_sandboxes")?.n, 0);
    assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM containers")?.n, 0);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(engine.paths.dataDir, "pods"))), []);
  });
});
