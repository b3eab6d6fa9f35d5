/**
 * Set-up run by `deno task test`, `deno task demo` and `deno task bench`: installs missing host
 * packages (apt-get) and builds the test bundles. Quick when everything is there.
 *
 * @module
 */
import {
  benchRequirements,
  coreRequirements,
  ensureHost,
  storeRequirements,
} from "../core/setup.ts";
import { buildBusybox, buildPause } from "./build_bundles.ts";

const log = (line: string) => console.error(`[setup] ${line}`);
const reqs = [...coreRequirements, ...storeRequirements];
if (Deno.args.includes("--bench")) reqs.push(...benchRequirements);
const installed = await ensureHost(reqs, log);
if (installed.length > 0) log(`installed ${installed.join(", ")}`);
if (await buildBusybox()) log("built testdata/bundles/busybox");
if (await buildPause()) log("built testdata/bundles/pause");
