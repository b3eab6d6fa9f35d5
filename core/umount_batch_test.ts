import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandError } from "./errors.ts";
import { run } from "./exec.ts";
import { isMountPoint } from "./rootfs.ts";
import { rootTest, tempDir } from "./testing.ts";
import { PhaseTrace } from "./trace.ts";
import { umountBatched } from "./umount_batch.ts";

rootTest(
  "umountBatched(): concurrent unmounts share one umount, each caller gets its own result",
  async () => {
    await using dir = await tempDir("rkl-umount-");
    const points = ["a", "b", "c", "d"].map((n) => join(dir.path, n));
    for (const p of points) await Deno.mkdir(p);
    const mounted = points.slice(0, 3);
    try {
      for (const p of mounted) await run(["mount", "-t", "tmpfs", "tmpfs", p]);
      const trace = PhaseTrace.start();
      const results = await Promise.allSettled(points.map(umountBatched));
      trace.stop();
      assert.deepEqual(results.slice(0, 3).map((r) => r.status), [
        "fulfilled",
        "fulfilled",
        "fulfilled",
      ]);
      const notMounted = results[3]!;
      assert.equal(notMounted.status, "rejected");
      assert.ok(notMounted.reason instanceof CommandError, String(notMounted.reason));
      assert.match(String(notMounted.reason.message), /not mounted|umount/);
      for (const p of mounted) assert.equal(await isMountPoint(p), false, p);
      // One process for the four requests (the failure named its path on stderr).
      assert.equal(trace.spans.filter((s) => s.name === "exec umount").length, 1);
    } finally {
      for (const p of mounted) {
        if (await isMountPoint(p)) await run(["umount", p]);
      }
    }
  },
);
