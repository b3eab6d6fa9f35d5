import assert from "node:assert/strict";
import { ManifestError } from "../errors.ts";
import { parsePodManifest } from "../pod/pod_manifest.ts";
import { parseContainerManifest } from "./manifest.ts";
import { envNameProblem, quantityProblem } from "./fields.ts";

const pod = (container: string, meta = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n${meta}spec:\n  containers:\n    - name: app\n      image: img\n${container}`;
const parsePod = (text: string) =>
  parsePodManifest(text, "p.yaml", { baseDir: "/w", checkImage: () => undefined });
const single = (extra: string) =>
  parseContainerManifest(`name: web\nimage: /img\nargs: [sleep, "1"]\n${extra}`, "c.yaml", {
    cwd: "/",
    checkImage: false,
  });

Deno.test("types are checked, never coerced (pod manifest)", async (t) => {
  const cases: { name: string; text: string; message: RegExp }[] = [
    {
      name: "unquoted 1.10 env value",
      text: pod("      env: [{name: VERSION, value: 1.10}]\n"),
      message:
        /p.yaml:9:\d+: spec.containers\[0\].env\[0\].value: expected a string, got number 1.1 \(write "1.10" in quotes for the text 1.10\)/,
    },
    {
      name: "boolean env value",
      text: pod("      env: [{name: DEBUG, value: true}]\n"),
      message: /env\[0\].value: expected a string, got boolean true \(write "true" in quotes/,
    },
    {
      name: "number in args",
      text: pod("      args: [sleep, 100]\n"),
      message: /spec.containers\[0\].args\[1\]: expected a string, got number 100 \(write "100"/,
    },
    {
      name: "number label",
      text: pod("", "  labels: {version: 2}\n"),
      message: /metadata.labels.version: expected a string, got number 2/,
    },
    {
      name: "boolean annotation",
      text: pod("", "  annotations: {enabled: yes}\n").replace("yes", "true"),
      message: /metadata.annotations.enabled: expected a string, got boolean true/,
    },
    {
      name: "NUL byte in an argument",
      text: pod('      args: ["a\\0b"]\n'),
      message: /args\[0\]: contains a NUL byte/,
    },
    {
      name: "env name with =",
      text: pod("      env: [{name: A=B, value: x}]\n"),
      message: /env\[0\].name: "A=B" is not a valid environment variable name/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.throws(() => parsePod(c.text), (e: unknown) => {
        assert.ok(e instanceof ManifestError, String(e));
        assert.match(e.message, c.message);
        return true;
      });
    });
  }
});

Deno.test("types are checked, never coerced (single-container manifest)", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "list env value",
      "env: [{name: V, value: 1.10}]\n",
      /env\[0\].value: expected a string.*"1.10"/,
    ],
    ["mapping env value", "env: {V: 1.10}\n", /env.V: expected a string, got number 1.1/],
    ["label", "labels: {v: 2}\n", /labels.v: expected a string/],
  ];
  for (const [name, extra, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(single(extra), message);
    });
  }
});

Deno.test("envNameProblem() is Kubernetes 1.32's relaxed rule", async (t) => {
  const cases: [string, boolean][] = [
    ["PATH", true],
    ["Logging:LogLevel:Default", true],
    ["my.var-1", true],
    ["1STARTS_WITH_DIGIT", true],
    ["with space", true],
    ["A=B", false],
    ["", false],
    ["tab\there", false],
    ["ünïcode", false],
  ];
  for (const [name, ok] of cases) {
    await t.step(`${JSON.stringify(name)} ${ok ? "valid" : "invalid"}`, () => {
      assert.equal(envNameProblem(name) === undefined, ok);
    });
  }
  await t.step("the pod and the single manifest accept the same names", async () => {
    const { pod: p } = parsePod(pod("      env: [{name: 'Logging:LogLevel:Default', value: x}]\n"));
    assert.equal(p.containers[0]!.env[0]!.name, "Logging:LogLevel:Default");
    const { config } = await single("env: [{name: 'Logging:LogLevel:Default', value: x}]\n");
    assert.deepEqual(config.env, [{ name: "Logging:LogLevel:Default", value: "x" }]);
  });
});

Deno.test("one quantity wording for both manifests", async () => {
  const want = 'invalid memory quantity "12 MiB": expected a number';
  assert.match(quantityProblem("12 MiB", "memory")!, new RegExp(want));
  assert.throws(
    () => parsePod(pod("      resources: {limits: {memory: 12 MiB}}\n")),
    new RegExp(`resources.limits.memory: ${want}`),
  );
  await assert.rejects(
    single("resources: {limits: {memory: 12 MiB}}\n"),
    new RegExp(`resources.limits.memory: ${want}`),
  );
});

Deno.test("$(VAR) references are expanded in the single-container manifest", async () => {
  const { config } = await parseContainerManifest(
    `name: web\nimage: /img\ncommand: [echo]\nargs: ["greet=$(GREETING)", "$$(GREETING)"]\n` +
      `env: [{name: GREETING, value: hello}, {name: B, value: "$(GREETING)!"}]\n`,
    "c.yaml",
    { cwd: "/", checkImage: false },
  );
  assert.deepEqual(config.args, ["greet=hello", "$(GREETING)"]);
  assert.deepEqual(config.env, [{ name: "GREETING", value: "hello" }, {
    name: "B",
    value: "hello!",
  }]);
});
