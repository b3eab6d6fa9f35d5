import assert from "node:assert/strict";
import { buildProgram, commandGroups, main } from "./main.ts";
import { join } from "node:path";
import { captureIo, projectDir, rklTaskArgs } from "./testing.ts";

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

Deno.test("rkl ends quietly with status 141 when its standard output is closed early (| head)", async (t) => {
  // A compose file whose `config` output is far larger than a pipe's buffer, so the writer
  // meets the closed pipe however late the reader closes it.
  const dir = await Deno.makeTempDir({ prefix: "rkl-epipe-" });
  try {
    const image = new URL("../testdata/bundles/busybox", import.meta.url).pathname;
    const services = Array.from(
      { length: 300 },
      (_, i) =>
        `  s${i}:\n    image: ${image}\n    environment:\n${
          Array.from({ length: 10 }, (_, j) => `      V${j}: "${"x".repeat(40)}"\n`).join("")
        }`,
    ).join("");
    await Deno.writeTextFile(join(dir, "compose.yaml"), `services:\n${services}`);
    const cases = [
      ["--help"],
      ["compose", "--help"],
      ["compose", "-f", join(dir, "compose.yaml"), "config"],
    ];
    for (const argv of cases) {
      await t.step(argv.join(" "), async () => {
        const child = new Deno.Command("deno", {
          args: [...(await rklTaskArgs()), ...argv],
          cwd: projectDir,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).spawn();
        await child.stdout.cancel(); // the reader goes away, as `head` does once satisfied
        const { code, stderr } = await child.output();
        assert.equal(new TextDecoder().decode(stderr), "");
        assert.equal(code, 141);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
