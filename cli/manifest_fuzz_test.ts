/**
 * Fuzz-style test over mutated manifests: a fixed number of seeded random mutations (character
 * edits, hostile scalars, line shuffles, truncation) of the project's own pod and container
 * manifests go through the same reading and validation as `rkl pod run` / `rkl container run`,
 * and the error printing of `cli/main.ts`. Every outcome must be a success or one line
 * `Error: …` without stack frames, from an error rk8s throws on purpose.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatError } from "./format_error.ts";
import { projectDir } from "./testing.ts";
import { ManifestError, RkError } from "../core/errors.ts";
import { loadContainerManifest } from "../core/container/manifest.ts";
import { loadPodManifest } from "../core/pod/pod_manifest.ts";
import { tempDir } from "../core/testing.ts";

/** Mutations per seed manifest. */
const MUTATIONS_PER_SEED = 170;

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  "\0",
  "..",
  "../../../../etc",
  "/proc/self/root",
  "x".repeat(300),
  "-1",
  "4294967295",
  "1e309",
  "NaN",
  "~",
  "null",
  "[]",
  "{}",
  "*anchor",
  "&a [*a]",
  "!!binary AAAA",
  "? complex",
  '"\\u0000"',
  "'",
  "{a: {b: {c: {d: [[[[]]]]}}}}",
  "\t",
  "ümlaut-ñ",
  "😀",
  "0x1F",
  "0o777",
  ".inf",
  "yes",
  "9".repeat(40),
];

const CHARS = ["{", "}", "[", "]", ":", "-", "#", "'", '"', "\n", " ", "\0", ",", "&", "*", "|"];

function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const at = Math.floor(rand() * (text.length + 1));
  const lines = text.split("\n");
  switch (Math.floor(rand() * 8)) {
    case 0: // delete a span
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
    case 1: // insert a structural character
      return text.slice(0, at) + pick(CHARS) + text.slice(at);
    case 2: { // replace a scalar after a colon with a hostile value
      const i = Math.floor(rand() * lines.length);
      const line = lines[i]!;
      const colon = line.indexOf(": ");
      if (colon < 0) return text.slice(0, at) + pick(HOSTILE) + text.slice(at);
      lines[i] = `${line.slice(0, colon + 2)}${pick(HOSTILE)}`;
      return lines.join("\n");
    }
    case 3: { // duplicate a line (duplicate keys, doubled list items)
      const i = Math.floor(rand() * lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
    case 4: { // swap two lines (breaks indentation structure)
      const i = Math.floor(rand() * lines.length);
      const j = Math.floor(rand() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case 5: // truncate
      return text.slice(0, at);
    case 6: { // change indentation of a line
      const i = Math.floor(rand() * lines.length);
      lines[i] = rand() < 0.5 ? `  ${lines[i]}` : lines[i]!.replace(/^ {1,2}/, "");
      return lines.join("\n");
    }
    default: // insert a hostile value anywhere
      return text.slice(0, at) + pick(HOSTILE) + text.slice(at);
  }
}

Deno.test("mutated manifests give a success or a one-line error, never a stack trace", async () => {
  await using dir = await tempDir("rkl-fuzz-");
  const seeds: [string, "pod" | "container"][] = [
    ["testdata/pods/simple.yaml", "pod"],
    ["testdata/pods/web.yaml", "pod"],
    ["testdata/single.yaml", "container"],
  ];
  const outcomes = { ok: 0, manifestError: 0, otherRkError: 0 };
  const rand = prng(0x5eed);
  for (const [file, kind] of seeds) {
    const original = await Deno.readTextFile(join(projectDir, file));
    for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
      let text = original;
      // One to three mutations stacked.
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) text = mutate(text, rand);
      const path = join(dir.path, `m${i}.yaml`);
      await Deno.writeTextFile(path, text);
      try {
        if (kind === "pod") await loadPodManifest(path, { baseDir: projectDir });
        else await loadContainerManifest(path, { cwd: projectDir });
        outcomes.ok++;
      } catch (error) {
        const printed = formatError(error, false);
        const context = `${file} mutation ${i}:\n${JSON.stringify(text)}\nprinted: ${printed}`;
        assert.ok(error instanceof RkError, `not an rk8s error: ${context}`);
        assert.equal(printed.trimEnd().split("\n").length, 1, `one line: ${context}`);
        assert.doesNotMatch(printed, /^\s+at /m, `no stack: ${context}`);
        assert.match(printed, /m\d+\.yaml/, `names the file: ${context}`);
        if (error instanceof ManifestError) outcomes.manifestError++;
        else outcomes.otherRkError++;
      }
    }
  }
  const total = outcomes.ok + outcomes.manifestError + outcomes.otherRkError;
  assert.equal(total, seeds.length * MUTATIONS_PER_SEED);
  // Both kinds of outcome occur, so the mutations reach past the YAML parser.
  assert.ok(outcomes.ok > 0 && outcomes.manifestError > 0, JSON.stringify(outcomes));
  console.log(`fuzz outcomes over ${total} mutated manifests: ${JSON.stringify(outcomes)}`);
});
