import assert from "node:assert/strict";
import { buildProgram, commandGroups, main, rklHelp } from "./main.ts";
import {
  FAST_COMMANDS,
  FAST_GLOBAL_OPTIONS,
  fastInvocation,
  type FastOption,
} from "./fast_path.ts";
import { formatHelp } from "./help_text.ts";
import { captureIo, runRklProcess } from "./testing.ts";
import type { CommandUnknownOpts } from "./_command.ts";

const groups = new Map(
  commandGroups.flatMap((g) => [g.name, ...g.aliases].map((n) => [n, g.name] as const)),
);

/** The fast options must be declared to commander with the same flags, value and attribute. */
function assertSameOptions(command: CommandUnknownOpts, fast: readonly FastOption[]): void {
  for (const f of fast) {
    const o = command.options.find((o) => o.long === f.long);
    assert.ok(o, `${command.name()} ${f.long} is one of commander's options`);
    assert.equal(o.short, f.short, `${f.long}: short flag`);
    assert.equal(o.required, f.value, `${f.long}: takes a value`);
    assert.equal(o.optional, false, `${f.long}: value not optional`);
    assert.equal(o.negate, false, `${f.long}: not --no-`);
    assert.equal(o.attributeName(), f.key, `${f.long}: attribute name`);
  }
}

Deno.test("the fast path's commands and options are commander's", async () => {
  const io = captureIo();
  const program = await buildProgram(io, [], { loadAll: true });
  assertSameOptions(program, FAST_GLOBAL_OPTIONS);
  for (const fast of FAST_COMMANDS) {
    const group = program.commands.find((c) => c.name() === fast.group);
    assert.ok(group, fast.group);
    const command = group.commands.find((c) => c.name() === fast.names[0]);
    assert.ok(command, `${fast.group} ${fast.names[0]}`);
    assert.deepEqual([command.name(), ...command.aliases()], fast.names);
    const args = command.registeredArguments;
    assert.equal(args.length, fast.argument ? 1 : 0, `${fast.names[0]}: arguments`);
    if (fast.argument) {
      assert.deepEqual([args[0]!.required, args[0]!.variadic], [true, fast.variadic ?? false]);
    }
    assertSameOptions(command, fast.options);
  }
});

Deno.test("fastInvocation accepts well-formed list, run and create commands and leaves the rest to commander", () => {
  const accepted: [string[], object][] = [
    [["c", "list"], { group: "container", command: "list", globals: {}, flags: {} }],
    [["container", "ps", "-q"], {
      group: "container",
      command: "list",
      globals: {},
      flags: { quiet: true },
    }],
    [["--root", "/r", "c", "run", "web.yaml"], {
      group: "container",
      command: "run",
      argument: "web.yaml",
      globals: { root: "/r" },
      flags: {},
    }],
    [["c", "create", "/x/web.yaml"], {
      group: "container",
      command: "create",
      argument: "/x/web.yaml",
      globals: {},
      flags: {},
    }],
    [["--root", "/r", "--runtime=runc", "c", "ls", "-o", "json"], {
      group: "container",
      command: "list",
      globals: { root: "/r", runtime: "runc" },
      flags: { output: "json" },
    }],
    [["p", "list", "-owide", "--namespace=kube-system", "-A", "--quiet"], {
      group: "pod",
      command: "list",
      globals: {},
      flags: { output: "wide", namespace: "kube-system", allNamespaces: true, quiet: true },
    }],
    [["pod", "ls", "--output="], {
      group: "pod",
      command: "list",
      globals: {},
      flags: { output: "" },
    }],
    [["pod", "run", "x.yaml"], {
      group: "pod",
      command: "run",
      argument: "x.yaml",
      globals: {},
      flags: {},
    }],
    [["p", "create", "x.yaml", "--cluster=10.0.0.1:6443"], {
      group: "pod",
      command: "create",
      argument: "x.yaml",
      globals: {},
      flags: { cluster: "10.0.0.1:6443" },
    }],
    [["--root", "/r", "pod", "delete", "-f", "a", "-n", "ns", "b"], {
      group: "pod",
      command: "rm",
      argument: "a",
      arguments: ["a", "b"],
      globals: { root: "/r" },
      flags: { force: true, namespace: "ns" },
    }],
  ];
  for (const [argv, expected] of accepted) {
    assert.deepEqual(
      fastInvocation(argv, groups),
      { kind: "command", ...expected },
      argv.join(" "),
    );
  }
  for (const argv of [["--help"], ["-h"], ["help"]]) {
    assert.deepEqual(fastInvocation(argv, groups), { kind: "help" });
  }
  const declined = [
    [],
    ["c"],
    ["c", "run"],
    ["c", "run", "a.yaml", "b.yaml"],
    ["c", "run", "-"],
    ["c", "run", "a.yaml", "--help"],
    ["c", "start", "x"],
    ["pod", "run", "x.yaml", "--cluster", "a:1"],
    ["pod", "run", "a.yaml", "b.yaml"],
    ["pod", "rm"],
    ["pod", "rm", "-f"],
    ["pod", "rm", "-f", "-f", "a"],
    ["pod", "rm", "-fn", "ns", "a"],
    ["pod", "stop", "a"],
    ["c", "list", "--help"],
    ["c", "list", "-h"],
    ["c", "list", "extra"],
    ["c", "list", "-q", "-q"],
    ["c", "list", "-qo", "json"],
    ["c", "list", "-o"],
    ["c", "list", "-o", "-q"],
    ["c", "list", "--quiet=yes"],
    ["c", "list", "--"],
    ["c", "list", "-"],
    ["c", "list", "--root", "/r"],
    ["c", "list", "-A"],
    ["--root"],
    ["--root", "/r", "--root", "/s", "c", "list"],
    ["--debug", "c", "list"],
    ["-V", "c", "list"],
    ["net", "ls"],
    ["compose", "ps"],
    ["help", "c"],
    ["--help", "c"],
  ];
  for (const argv of declined) {
    assert.equal(fastInvocation(argv, groups), undefined, argv.join(" "));
  }
});

Deno.test("rkl --help without commander is commander's text at every width", async () => {
  const io = captureIo();
  const program = await buildProgram(io, [], { loadAll: true });
  for (const width of [20, 39, 40, 41, 60, 79, 80, 100, 120, 200]) {
    program.configureOutput({ getOutHelpWidth: () => width });
    io.out = "";
    program.outputHelp();
    assert.equal(formatHelp(rklHelp(), width), io.out, `width ${width}`);
  }
});

Deno.test("main() prints the same with and without the fast path", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "rkl-fast-" });
  try {
    const cases = [
      ["--help"],
      ["-h"],
      ["help"],
      ["--root", root, "c", "list"],
      ["--root", root, "c", "ls", "-q"],
      ["--root=" + root, "container", "ps", "-o", "json"],
      ["--root", root, "c", "list", "-o", "bogus"],
      ["--root", root, "pod", "list"],
      ["--root", root, "p", "ls", "-A", "-owide"],
      ["--root", root, "pod", "list", "-n", "kube-system", "-o", "yaml"],
      ["--root", root, "pod", "list", "-n", "Not_A_Namespace"],
      ["--root", root, "pod", "list", "--cluster", "127.0.0.1:1", "-o", "bogus"],
      ["--root", root, "c", "run", "no-such.yaml"],
      ["--root", root, "c", "create", "testdata/pods/bad_duplicate.yaml"],
      ["--root", root, "pod", "run", "no-such.yaml"],
      ["--root", root, "pod", "run", "testdata/pods/bad_duplicate.yaml"],
      ["--root", root, "pod", "create", "testdata/pods/bad_duplicate.yaml"],
      ["--root", root, "pod", "rm", "no-such-pod"],
      ["--root", root, "pod", "delete", "-f", "-n", "Not_A_Namespace", "x"],
      ["--root", root, "p", "rm", "-f", "a", "b"],
    ];
    for (const argv of cases) {
      await t.step(argv.join(" "), async () => {
        assert.ok(fastInvocation(argv, groups), "the fast path takes it");
        const fast = captureIo();
        const slow = captureIo();
        const fastCode = await main(argv, fast);
        const slowCode = await main(argv, slow, { fastPath: false });
        assert.deepEqual(
          { code: fastCode, out: fast.out, err: fast.err },
          { code: slowCode, out: slow.out, err: slow.err },
        );
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a real rkl process answers --help and the list commands through the fast path", async () => {
  const root = await Deno.makeTempDir({ prefix: "rkl-fast-" });
  try {
    const help = await runRklProcess(["--help"]);
    assert.equal(help.code, 0, help.err);
    assert.equal(help.out, formatHelp(rklHelp(), 80)); // stdout is a pipe: commander's 80 columns
    const pods = await runRklProcess(["--root", root, "pod", "list"]);
    assert.deepEqual([pods.code, pods.err], [0, ""]);
    assert.match(pods.out, /^NAME\s+READY\s+STATUS/);
    const bad = await runRklProcess(["--root", root, "c", "list", "-o", "xml"]);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /^Error: .*xml/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
