import assert from "node:assert/strict";
import { formatGcReport } from "./gc.ts";
import { liveSandboxIds } from "../core/network_gc.ts";

Deno.test("liveSandboxIds() keeps running, created and unknown containers and ready pods", () => {
  const live = liveSandboxIds(
    [
      { id: "run", status: "running" },
      { id: "new", status: "created" },
      { id: "dead", status: "stopped" },
      { id: "odd", status: "unknown" },
    ],
    [
      { id: "pod-up", state: "ready" },
      { id: "pod-down", state: "notready" },
      { id: "pod-odd", state: "unknown" },
    ],
  );
  assert.deepEqual([...live].sort(), ["new", "odd", "pod-odd", "pod-up", "run"]);
});

Deno.test("formatGcReport() lists details and counts released attachments", () => {
  assert.equal(formatGcReport({ released: [], details: [] }), "Nothing to collect\n");
  assert.equal(
    formatGcReport({
      released: ["a", "b"],
      details: ['freed 10.0.0.2 on network "rkl" (container a)', "removed idle bridge rkl0"],
    }),
    'freed 10.0.0.2 on network "rkl" (container a)\nremoved idle bridge rkl0\nReleased 2 attachments\n',
  );
});
