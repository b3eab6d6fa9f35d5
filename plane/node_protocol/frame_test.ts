import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder, FrameError, MAX_FRAME_BYTES } from "./frame.ts";
import { MessageError, parseMessage } from "./messages.ts";
import { MessageReader } from "./message_stream.ts";

function header(length: number, version = 1): Uint8Array {
  const b = new Uint8Array(5);
  new DataView(b.buffer).setUint32(0, length);
  b[4] = version;
  return b;
}

Deno.test("FrameDecoder reassembles a 1 MiB frame split into 4 KB reads and several frames in one read", () => {
  const big = encodeFrame({ type: "response", status: 200, body: { pad: "y".repeat(1 << 20) } });
  const small = encodeFrame({ type: "exit", code: 0 });
  const all = new Uint8Array(big.length + small.length * 2);
  all.set(big);
  all.set(small, big.length);
  all.set(small, big.length + small.length);
  const d = new FrameDecoder();
  const got: unknown[] = [];
  for (let i = 0; i < all.length; i += 4096) got.push(...d.push(all.subarray(i, i + 4096)));
  assert.equal(got.length, 3);
  assert.equal((parseMessage(got[0]) as { body: { pad: string } }).body.pad.length, 1 << 20);
  assert.deepEqual(got[2], { type: "exit", code: 0 });
  assert.equal(d.buffered, 0);
  d.finish();
});

Deno.test("FrameDecoder byte-by-byte yields the same message", () => {
  const f = encodeFrame({ type: "welcome", nodeName: "ñode-1" });
  const d = new FrameDecoder();
  const got: unknown[] = [];
  for (const b of f) got.push(...d.push(Uint8Array.of(b)));
  assert.deepEqual(got, [{ type: "welcome", nodeName: "ñode-1" }]);
});

Deno.test("FrameDecoder refuses malformed frames with a reason", async (t) => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    ["huge length", header(0xffffffff), "too-large", /4294967295 bytes exceeds the limit/],
    ["zero length", header(0), "empty", /length 0/],
    ["other version", Uint8Array.of(...header(3, 9), 0x7b, 0x7d), "version", /version 9/],
    ["not JSON", Uint8Array.of(...header(3), 0x7b, 0x7b), "json", /not UTF-8 JSON/],
    ["bad UTF-8", Uint8Array.of(...header(3), 0xff, 0xfe), "json", /not UTF-8 JSON/],
  ];
  for (const [name, bytes, reason, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => new FrameDecoder().push(bytes),
        (e) => e instanceof FrameError && e.reason === reason && message.test(e.message),
      );
    });
  }
});

Deno.test("FrameDecoder refuses an over-limit length before buffering its payload", () => {
  const d = new FrameDecoder(1024);
  assert.throws(() => d.push(header(1025)), (e) => e instanceof FrameError && e.length === 1025);
  assert.throws(
    () => encodeFrame({ pad: "x".repeat(2000) }, 1024),
    /Cannot send a frame of \d+ bytes: the limit is 1024 bytes/,
  );
  assert.equal(MAX_FRAME_BYTES, 16 * 1024 * 1024);
});

Deno.test("FrameDecoder.finish reports a truncated frame", () => {
  const f = encodeFrame({ type: "exit", code: 1 });
  const d = new FrameDecoder();
  assert.deepEqual(d.push(f.subarray(0, f.length - 1)), []);
  assert.throws(() => d.finish(), (e) => e instanceof FrameError && e.reason === "truncated");
});

Deno.test("MessageReader: clean end, truncated end, invalid message", async () => {
  const f = encodeFrame({ type: "exit", code: 1 });
  const ok = new MessageReader(ReadableStream.from([f, f]));
  assert.deepEqual([await ok.next(), await ok.next(), await ok.next()], [
    { type: "exit", code: 1 },
    { type: "exit", code: 1 },
    undefined,
  ]);
  const cut = new MessageReader(ReadableStream.from([f.subarray(0, 6)]));
  await assert.rejects(() => cut.next(), /Truncated frame/);
  const bad = new MessageReader(ReadableStream.from([encodeFrame({ type: "teleport" })]));
  await assert.rejects(() => bad.next(), MessageError);
});
