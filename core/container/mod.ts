/**
 * The container engine: CRI-shaped operations on single containers, reused by pods, the
 * daemon and the cluster node agent.
 *
 * Files (one operation per file):
 * - `config.ts` — {@linkcode ContainerConfig} (CRI-like input), name rules, argv/env helpers
 * - `engine.ts` — {@linkcode openEngine}: database + OCI runtime + conmon + optional network
 * - `status.ts` — closed status union, {@linkcode deriveStatus}, guards (`canStart`, ...)
 * - `create.ts` — {@linkcode createContainer} (record → overlay → network → config.json →
 *   runtime create under conmon; undo registered at each step; optional caller `UndoStack`)
 * - `start.ts` — {@linkcode startContainer}; `run.ts` — {@linkcode runContainer} (create+start)
 * - `stop.ts` — {@linkcode stopContainer} (SIGTERM, grace, SIGKILL); `kill.ts` — {@linkcode killContainer}
 * - `remove.ts` — {@linkcode removeContainer} (teardown of every resource, record last)
 * - `inspect.ts` — {@linkcode containerStatus}; `list.ts` — {@linkcode listContainers}
 * - `exec.ts` — {@linkcode execSync}; `logs.ts` — {@linkcode containerLogs}, {@linkcode followLogs}
 * - `manifest.ts` — single-container YAML → {@linkcode ContainerConfig}
 * - `_files.ts` — private: state-dir files, exit waits, runtime teardown
 *
 * Related modules: `core/runtime/oci_runtime.ts` (runtime adapter, `resolveRuntime`),
 * `core/runtime/conmon.ts` (monitor), `core/runtime/cri_log.ts` (log format),
 * `core/runtime/fake_runtime.ts` (recording fakes for unit tests), `core/oci/spec.ts`
 * (typed spec builder), `core/quantity.ts` (quantities), `core/cgroup/` (quantities →
 * `linux.resources`, cgroup paths and files), `core/rootfs.ts` (overlay), `core/store/` (SQLite; append migrations to
 * `core/store/migrations.ts`; `core/store/db.ts` is the only `node:sqlite` importer).
 * CLI side: `cli/container.ts` (`rkl container`, alias `c`), `cli/engine.ts` (`engineFor`, the
 * one place the CLI builds its engine and wires the network provider), `cli/output.ts`
 * (tables, `-o json|yaml`, ages). Benchmark: `bench/container_bench.ts`; demo:
 * `testdata/demo.ts`.
 *
 * @example
 * ```ts ignore
 * import { openEngine, runContainer, stopContainer, removeContainer } from "./mod.ts";
 * const engine = await openEngine({ paths, runtime });
 * await runContainer(engine, { name: "web", image: "/abs/busybox", args: ["sleep", "100"] });
 * await stopContainer(engine, "web", 1);
 * await removeContainer(engine, "web");
 * engine.close();
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./engine.ts";
export * from "./status.ts";
export * from "./create.ts";
export * from "./start.ts";
export * from "./run.ts";
export * from "./stop.ts";
export * from "./kill.ts";
export * from "./remove.ts";
export * from "./inspect.ts";
export * from "./list.ts";
export * from "./exec.ts";
export * from "./logs.ts";
export * from "./manifest.ts";
