import assert from "node:assert/strict";
import { runProbeHandler } from "./probe_handler.ts";
import type { Engine } from "../container/mod.ts";

Deno.test("an httpGet probe reports the kubelet's text: the status code, never the body", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/ok") return new Response("fine");
    return new Response("<html><body><h1>404 Not Found</h1>nginx</body></html>", {
      status: 404,
    });
  });
  try {
    const target = { containerId: "c", podIP: "127.0.0.1", ports: [] };
    const probe = (path: string) =>
      runProbeHandler(
        {} as Engine, // exec only; an httpGet probe never touches the engine
        { kind: "httpGet", path, port: server.addr.port, scheme: "HTTP", headers: [] },
        target,
        5000,
      );
    assert.deepEqual(await probe("/missing"), {
      ok: false,
      output: "HTTP probe failed with statuscode: 404",
    });
    assert.deepEqual(await probe("/ok"), { ok: true, output: "HTTP 200" });
  } finally {
    await server.shutdown();
  }
});
