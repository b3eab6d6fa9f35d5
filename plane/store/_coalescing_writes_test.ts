import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { coalesceSocketWrites, coalescingWrites } from "./_coalescing_writes.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

function fakeSocket(log: string[]) {
  return {
    write: (chunk: string) => (log.push(chunk), true),
    cork: () => log.push("cork"),
    uncork: () => log.push("uncork"),
  };
}

Deno.test("coalesceSocketWrites() corks once per turn and uncorks on the next tick", async () => {
  const log: string[] = [];
  const socket = coalesceSocketWrites(fakeSocket(log));
  assert.equal(socket.write("headers 1"), true);
  socket.write("data 1");
  socket.write("headers 2");
  assert.deepEqual(log, ["cork", "headers 1", "data 1", "headers 2"], "held until the tick");
  await tick();
  socket.write("data 2");
  await tick();
  assert.deepEqual(log, [
    "cork",
    "headers 1",
    "data 1",
    "headers 2",
    "uncork",
    "cork",
    "data 2",
    "uncork",
  ]);
});

Deno.test("coalescingWrites() wraps the sockets of grpc-js's own credentials", async () => {
  // The hook exists in the grpc-js of deno.lock: without it the wrapper is a no-op.
  const insecure = grpc.credentials.createInsecure();
  const wrapped = coalescingWrites(insecure);
  assert.notEqual(wrapped, insecure, "grpc-js has no per-connection hook any more");
  assert.equal(wrapped._isSecure(), false);
  assert.ok(wrapped._equals(insecure));
  const make = (wrapped as unknown as {
    _createSecureConnector(t: unknown, o: unknown, c: unknown): {
      connect(s: unknown): Promise<{ socket: ReturnType<typeof fakeSocket>; secure: boolean }>;
      destroy(): void;
    };
  })._createSecureConnector;
  const connector = make.call(wrapped, { path: "127.0.0.1:1" }, {}, null);
  const log: string[] = [];
  const socket = fakeSocket(log);
  const original = socket.write;
  const r = await connector.connect(socket);
  assert.equal(r.secure, false);
  assert.equal(r.socket, socket);
  assert.notEqual(r.socket.write, original);
  r.socket.write("a");
  r.socket.write("b");
  await tick();
  assert.deepEqual(log, ["cork", "a", "b", "uncork"]);
  connector.destroy();
  // Objects without the hook are returned as they are.
  const plain = {};
  assert.equal(coalescingWrites(plain), plain);
});
