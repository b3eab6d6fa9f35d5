/**
 * `deno task bench`: every benchmark section, side by side with the tools a user would
 * otherwise use. `deno task bench SECTION...` runs only the named sections.
 *
 * @module
 */
import { storeBench } from "./store_bench.ts";
import { podBench } from "./pod_bench.ts";
import { netBench } from "./net_bench.ts";
import { containerBench } from "./container_bench.ts";
import { composeBench } from "./compose_bench.ts";
import { startupBench } from "./startup_bench.ts";
import { podListBench } from "./pod_list_bench.ts";
import { rksBench } from "./rks_bench.ts";
import { daemonBench } from "./daemon_bench.ts";
import { schedulerBench } from "./scheduler_bench.ts";
import { clusterBench } from "./cluster_bench.ts";

/** A benchmark section. */
export interface Section {
  /** Name used to select it on the command line. */
  name: string;
  /** Runs the section and prints its tables. */
  run(): Promise<void>;
}

const sections: Section[] = [
  { name: "startup", run: startupBench },
  { name: "podlist", run: podListBench },
  { name: "container", run: containerBench },
  { name: "store", run: storeBench },
  { name: "pod", run: podBench },
  { name: "net", run: netBench },
  { name: "compose", run: composeBench },
  { name: "rks", run: rksBench },
  { name: "daemon", run: daemonBench },
  { name: "scheduler", run: schedulerBench },
  { name: "cluster", run: clusterBench },
];

const wanted = Deno.args.filter((a) => !a.startsWith("-"));
for (const s of sections) {
  if (wanted.length > 0 && !wanted.includes(s.name)) continue;
  console.log(`\n# ${s.name}`);
  await s.run();
}
