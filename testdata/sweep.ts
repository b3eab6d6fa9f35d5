/**
 * `deno task sweep` (run before `deno task test`): kills and removes what killed test runs
 * left behind — their etcd, rks and node daemons, the pods and containers of their state
 * roots, their network namespaces, bridges and temporary directories — as their leases
 * (`core/test_lease.ts`) name them. Leases of runs that are still going are left alone. A
 * leftover that cannot be removed is reported on stderr and kept for the next sweep; it does
 * not stop the tests.
 *
 * @module
 */
import { sweepTestLeftovers } from "../core/test_sweep.ts";

const log = (line: string) => console.error(`[sweep] ${line}`);
const report = await sweepTestLeftovers();
for (const s of report.swept) {
  const did = [
    s.killed.length ? `killed ${s.killed.join(" ")}` : "",
    s.roots.length ? `emptied ${s.roots.join(" ")}` : "",
    s.netns.length ? `deleted netns ${s.netns.join(" ")}` : "",
    s.links.length ? `deleted links ${s.links.join(" ")}` : "",
    s.dirs.length ? `removed ${s.dirs.join(" ")}` : "",
  ].filter(Boolean).join("; ");
  log(`run ${s.runner.pid} (gone): ${did || "nothing left"}`);
  for (const e of s.errors) log(`run ${s.runner.pid}: NOT removed: ${e}`);
}
if (report.live > 0) log(`${report.live} lease(s) of running test runs left alone`);
