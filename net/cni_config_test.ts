import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError } from "../core/errors.ts";
import { tempDir } from "../core/testing.ts";
import { loadNetworkConfig, loadNetworkConfigDir, parseNetworkConfig } from "./cni_config.ts";

Deno.test("parseNetworkConfig() reads a conflist with capabilities and keeps plugin keys", () => {
  const text = JSON.stringify({
    cniVersion: "1.0.0",
    name: "rkl",
    disableCheck: true,
    plugins: [
      { type: "bridge", bridge: "rkl0", ipam: { type: "host-local" } },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  });
  const { list, warnings } = parseNetworkConfig(text, "rkl.conflist");
  assert.equal(list.name, "rkl");
  assert.equal(list.disableCheck, true);
  assert.deepEqual(list.plugins.map((p) => p.type), ["bridge", "portmap"]);
  assert.equal(list.plugins[0]?.raw.bridge, "rkl0");
  assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true });
  assert.deepEqual(warnings, []);
});

Deno.test("parseNetworkConfig() turns a .conf into a one-plugin list", () => {
  const { list } = parseNetworkConfig(
    '{"cniVersion":"0.4.0","name":"lo","type":"loopback"}',
    "99-lo.conf",
  );
  assert.equal(list.cniVersion, "0.4.0");
  assert.deepEqual(list.plugins.map((p) => p.type), ["loopback"]);
});

Deno.test("parseNetworkConfig() errors name the file, line, column and field", async (t) => {
  const cases: { name: string; text: string; path: string; line: number; re: RegExp }[] = [
    {
      name: "missing name",
      text: '{\n  "cniVersion": "1.0.0",\n  "plugins": [{"type": "bridge"}]\n}',
      path: "name",
      line: 1,
      re: /required field is missing/,
    },
    {
      name: "unsupported version",
      text: '{\n  "cniVersion": "9.9.9",\n  "name": "n",\n  "plugins": [{"type": "bridge"}]\n}',
      path: "cniVersion",
      line: 2,
      re: /unsupported CNI version "9\.9\.9"/,
    },
    {
      name: "plugin without type",
      text:
        '{\n  "cniVersion": "1.0.0",\n  "name": "n",\n  "plugins": [\n    {"bridge": "x"}\n  ]\n}',
      path: "plugins[0].type",
      line: 5,
      re: /required field is missing/,
    },
    {
      name: "type with a slash",
      text: '{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "../bin/sh"}]}',
      path: "plugins[0].type",
      line: 1,
      re: /must be a file name/,
    },
    {
      name: "empty plugin list",
      text: '{"cniVersion": "1.0.0", "name": "n", "plugins": []}',
      path: "plugins",
      line: 1,
      re: /at least one plugin/,
    },
    {
      name: "capability not a boolean",
      text:
        '{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "portmap", "capabilities": {"portMappings": "yes"}}]}',
      path: "plugins[0].capabilities.portMappings",
      line: 1,
      re: /expected true or false/,
    },
    {
      name: "bad network name",
      text: '{"cniVersion": "1.0.0", "name": "a b", "type": "bridge"}',
      path: "name",
      line: 1,
      re: /network name must match/,
    },
    {
      name: "malformed JSON",
      text: '{"cniVersion": "1.0.0",\n "name": "n",\n "plugins": [{"type": "bridge"}\n',
      path: "",
      line: 4,
      re: /invalid YAML/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.throws(() => parseNetworkConfig(c.text, "/etc/rkl/cni/n.conflist"), (e: unknown) => {
        assert.ok(e instanceof ManifestError, String(e));
        assert.equal(e.file, "/etc/rkl/cni/n.conflist");
        assert.equal(e.path, c.path);
        assert.equal(e.line, c.line);
        assert.match(e.message, c.re);
        assert.match(e.message, /^\/etc\/rkl\/cni\/n\.conflist:\d+:\d+: /);
        return true;
      });
    });
  }
});

Deno.test("parseNetworkConfig() warns about unknown top-level fields of a conflist", () => {
  const { warnings } = parseNetworkConfig(
    '{"cniVersion":"1.0.0","name":"n","plugin":[],"plugins":[{"type":"bridge"}]}',
    "n.conflist",
  );
  assert.deepEqual(warnings.map((w) => w.path), ["plugin"]);
});

Deno.test("loadNetworkConfigDir() loads sorted files and rejects duplicate names", async () => {
  await using dir = await tempDir("rk8s-cniconf-");
  assert.deepEqual(await loadNetworkConfigDir(join(dir.path, "missing")), []);
  await Deno.writeTextFile(
    join(dir.path, "20-b.conflist"),
    '{"cniVersion":"1.0.0","name":"b","plugins":[{"type":"bridge"}]}',
  );
  await Deno.writeTextFile(
    join(dir.path, "10-a.conf"),
    '{"cniVersion":"1.0.0","name":"a","type":"bridge"}',
  );
  await Deno.writeTextFile(join(dir.path, "README.md"), "not a config");
  assert.deepEqual((await loadNetworkConfigDir(dir.path)).map((l) => l.name), ["a", "b"]);
  await Deno.writeTextFile(
    join(dir.path, "30-a.conflist"),
    '{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"bridge"}]}',
  );
  await assert.rejects(
    loadNetworkConfigDir(dir.path),
    /30-a\.conflist: name: network "a" is also defined in 10-a\.conf/,
  );
  await assert.rejects(
    loadNetworkConfig(join(dir.path, "nope.conflist")),
    /nope\.conflist: cannot read file: not found/,
  );
});
