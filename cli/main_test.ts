import assert from "node:assert/strict";
import { buildProgram, commandGroups, main } from "./main.ts";
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

Deno.test("main() prints the version from deno.json and exits 0, with or without the parser", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  // ["--version"] and ["-V"] are answered before commander loads; the others go through it.
  for (const argv of [["--version"], ["-V"], ["--root", "/tmp/x", "--version"], ["-V", "c"]]) {
    const io = captureIo();
    assert.equal(await main(argv, io), 0, argv.join(" "));
    assert.equal(io.out, `${config.version}\n`, argv.join(" "));
  }
});

Deno.test("commandGroups list each group as its loaded command names itself", async () => {
  const io = captureIo();
  const globals = () => ({ root: undefined, runtime: undefined });
  for (const entry of commandGroups) {
    const command = (await entry.load())(io, globals);
    assert.equal(command.name(), entry.name);
    assert.deepEqual(command.aliases(), entry.aliases);
    assert.equal(command.description(), entry.description);
  }
});

Deno.test("rkl --help is the same from group stubs as from the loaded groups", async () => {
  const stubs = captureIo();
  const all = captureIo();
  (await buildProgram(stubs)).outputHelp();
  (await buildProgram(all, [], { loadAll: true })).outputHelp();
  assert.match(stubs.out, /container\|c/);
  assert.equal(stubs.out, all.out);
});

Deno.test("buildProgram() loads only the group the arguments name", async (t) => {
  const io = captureIo();
  const loaded = async (argv: string[]) =>
    (await buildProgram(io, argv)).commands.filter((c) => c.commands.length > 0).map((c) =>
      c.name()
    );
  for (
    const [argv, groups] of [
      [["--help"], []],
      [["--version"], []],
      [["c", "list"], ["container"]],
      [["--root", "/tmp/r", "--runtime=runc", "pod", "list"], ["pod"]],
      [["help", "net"], ["network"]],
      [["frobnicate"], []],
    ] as [string[], string[]][]
  ) {
    await t.step(argv.join(" "), async () => assert.deepEqual(await loaded(argv), groups));
  }
});
