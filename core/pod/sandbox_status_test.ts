import assert from "node:assert/strict";
import { sandboxState } from "./sandbox_status.ts";
import type { SandboxRecord } from "./pod_store.ts";

Deno.test("sandboxState() of a sandbox without a pause container: unknown while it is created, notready once its namespaces are gone", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "rkl-sandbox-state-" });
  try {
    // Pod network and IPC: the IPC and UTS namespaces are pinned under stateDir (nothing yet).
    const rec = {
      pauseContainerId: "",
      stopped: false,
      stateDir,
      config: { linux: { namespaceOptions: { ipc: "pod", network: "pod", pid: "container" } } },
    } as unknown as SandboxRecord;
    // Being created: not dead (a dead sandbox makes the pod Failed and its ReplicaSet replace it).
    assert.equal(
      sandboxState({ ...rec, creator: { pid: 1, startedAt: 1 } }, undefined),
      "unknown",
    );
    // Created, then its pinned namespaces are gone (a reboot): notready, recreated by the node.
    assert.equal(sandboxState(rec, undefined), "notready");
    assert.equal(sandboxState({ ...rec, stopped: true }, undefined), "notready");
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
