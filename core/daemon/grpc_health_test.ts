import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  grpcHealthCheck,
  HEALTH_CHECK_METHOD,
} from "./grpc_health.ts";
import { runProbeHandler } from "./probe_handler.ts";
import type { Engine } from "../container/mod.ts";

/** Decodes `HealthCheckRequest.service` (the server side of the test). */
function serviceOf(bytes: Uint8Array): string {
  return bytes.length === 0 ? "" : new TextDecoder().decode(bytes.subarray(2, 2 + bytes[1]!));
}

/**
 * A real gRPC server on loopback with the standard health service: `statuses` maps a service
 * name to its ServingStatus number; an unknown service answers NOT_FOUND, as grpc-go's does;
 * "slow" never answers.
 */
async function healthServer(statuses: Record<string, number>) {
  const server = new grpc.Server();
  const pending: (() => void)[] = [];
  server.addService({
    Check: {
      path: HEALTH_CHECK_METHOD,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: Uint8Array) => Buffer.from(v),
      requestDeserialize: (b: Buffer) => new Uint8Array(b),
      responseSerialize: (v: Uint8Array) => Buffer.from(v),
      responseDeserialize: (b: Buffer) => new Uint8Array(b),
    },
  }, {
    Check: (
      call: grpc.ServerUnaryCall<Uint8Array, Uint8Array>,
      cb: grpc.sendUnaryData<Uint8Array>,
    ) => {
      const service = serviceOf(call.request);
      if (service === "slow") {
        pending.push(() => cb(null, new Uint8Array([0x08, 1])));
        return;
      }
      const status = statuses[service];
      if (status === undefined) {
        cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
        return;
      }
      cb(null, new Uint8Array([0x08, status]));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return {
    port,
    close: () => {
      for (const p of pending) p();
      server.forceShutdown();
    },
  };
}

Deno.test("the HealthCheck messages round-trip in protobuf wire format", () => {
  const long = "s".repeat(200);
  const req = encodeHealthCheckRequest(long);
  assert.deepEqual([...req.subarray(0, 3)], [0x0a, 0xc8, 0x01]); // length 200 as a varint
  assert.equal(new TextDecoder().decode(req.subarray(3)), long);
  // An unknown length-delimited field before the status is skipped.
  assert.equal(
    decodeHealthCheckResponse(new Uint8Array([0x12, 1, 0x41, 0x08, 3])),
    "SERVICE_UNKNOWN",
  );
  assert.throws(() => decodeHealthCheckResponse(new Uint8Array([0x08])), RangeError);
});

Deno.test("grpcHealthCheck() passes only for SERVING, from a real gRPC server", async (t) => {
  const srv = await healthServer({ "": 1, db: 2 });
  try {
    await t.step("the whole server is SERVING", async () => {
      assert.deepEqual(await grpcHealthCheck("127.0.0.1", srv.port, "", 5000), {
        ok: true,
        output: "status: SERVING",
      });
    });
    await t.step("a NOT_SERVING service fails with the kubelet's words", async () => {
      assert.deepEqual(await grpcHealthCheck("127.0.0.1", srv.port, "db", 5000), {
        ok: false,
        output: 'service unhealthy (responded with "NOT_SERVING")',
      });
    });
    await t.step("an unknown service (NOT_FOUND) fails", async () => {
      const r = await grpcHealthCheck("127.0.0.1", srv.port, "nope", 5000);
      assert.equal(r.ok, false);
      assert.match(r.output, /NOT_FOUND|unknown service/);
    });
    await t.step("a server that does not answer fails at the timeout", async () => {
      const started = Date.now();
      const r = await grpcHealthCheck("127.0.0.1", srv.port, "slow", 300);
      assert.equal(r.ok, false);
      assert.match(r.output, /^timeout: /);
      assert.ok(Date.now() - started < 30_000, "bounded by the deadline");
    });
    await t.step("runProbeHandler() dispatches a grpc probe to the pod IP", async () => {
      const r = await runProbeHandler(
        {} as Engine, // exec only; a grpc probe never touches the engine
        { kind: "grpc", port: srv.port },
        { containerId: "c", podIP: "127.0.0.1", ports: [] },
        5000,
      );
      assert.equal(r.ok, true);
    });
  } finally {
    srv.close();
  }
  await t.step("nothing listening fails", async () => {
    const r = await grpcHealthCheck("127.0.0.1", srv.port, "", 2000);
    assert.equal(r.ok, false);
  });
});
