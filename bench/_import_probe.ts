/**
 * `deno run … bench/_import_probe.ts SPEC...`: imports each specifier in order, in this fresh
 * process, and prints one JSON line `{ "SPEC": ms, ... }` with the time each `import()` took
 * (module loading, compilation and evaluation of what was not loaded before).
 *
 * @module
 */
const times: Record<string, number> = {};
for (const spec of Deno.args) {
  const t0 = performance.now();
  await import(spec);
  times[spec] = performance.now() - t0;
}
console.log(JSON.stringify(times));
