import assert from "node:assert/strict";
import { main } from "./main.ts";
import { captureIo } from "./testing.ts";

Deno.test("main() exits 2 on an unknown option and names it", async () => {
  const io = captureIo();
  assert.equal(await main(["--no-such-flag"], io), 2);
  assert.match(io.err, /--no-such-flag/);
});

Deno.test("main() exits 2 on an unknown command", async () => {
  const io = captureIo();
  assert.equal(await main(["frobnicate"], io), 2);
  assert.match(io.err, /frobnicate/);
});

Deno.test("main() prints help and exits 0", async () => {
  const io = captureIo();
  assert.equal(await main(["--help"], io), 0);
  assert.match(io.out, /Usage: rkl/);
  assert.match(io.out, /--root <dir>/);
});
