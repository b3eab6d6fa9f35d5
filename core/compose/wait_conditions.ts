/**
 * Waiting for `depends_on` conditions: `service_healthy` runs the dependency's healthcheck in its
 * container (interval, timeout, retries, start period and start interval as the Compose
 * Specification defines them); `service_completed_successfully` waits for its exit code.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { execSync } from "../container/exec.ts";
import { inspectRecord } from "../container/inspect.ts";
import { RkError } from "../errors.ts";
import { findContainer } from "../store/containers.ts";
import type { ServiceHealthcheck } from "./compose_model.ts";

/**
 * A dependency did not reach its condition: unhealthy, exited with a non-zero code, or stopped
 * before it became healthy.
 *
 * @example
 * ```ts
 * import { DependencyFailedError } from "./wait_conditions.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new DependencyFailedError("db", "is unhealthy").service, "db");
 * ```
 */
export class DependencyFailedError extends RkError {
  /** The dependency. */
  readonly service: string;
  /** Creates the error. */
  constructor(service: string, reason: string) {
    super(`dependency failed to start: service "${service}" ${reason}`);
    this.name = "DependencyFailedError";
    this.service = service;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * Runs `hc.test` in container `ref` until it succeeds. Failures during the start period do not
 * count; after it, `retries` consecutive failures make the dependency unhealthy. A container that
 * exits fails at once.
 */
export async function waitHealthy(
  engine: Engine,
  service: string,
  ref: string,
  hc: ServiceHealthcheck,
  signal?: AbortSignal,
): Promise<void> {
  const started = Date.now();
  let failures = 0;
  for (;;) {
    if (signal?.aborted) throw new DependencyFailedError(service, "was not waited for (aborted)");
    const rec = findContainer(engine.db, ref);
    const view = await inspectRecord(engine, rec);
    if (view.status !== "running") {
      throw new DependencyFailedError(
        service,
        `exited before it became healthy${
          view.exitCode !== undefined ? ` (exit code ${view.exitCode})` : ""
        }`,
      );
    }
    let ok = false;
    try {
      const r = await execSync(engine, ref, hc.test, {
        stdio: "piped",
        timeoutMs: Math.max(1, hc.timeoutMs),
      });
      ok = r.exitCode === 0;
    } catch (e) {
      if (!(e instanceof RkError)) throw e;
    }
    if (ok) return;
    const inStart = Date.now() - started < hc.startPeriodMs;
    if (!inStart) failures++;
    if (!inStart && failures >= Math.max(1, hc.retries)) {
      throw new DependencyFailedError(service, "is unhealthy");
    }
    await sleep(inStart ? hc.startIntervalMs : hc.intervalMs, signal);
  }
}

/** Waits until container `ref` exits; fails unless its exit code is 0. */
export async function waitCompleted(
  engine: Engine,
  service: string,
  ref: string,
  signal?: AbortSignal,
): Promise<void> {
  let delay = 20;
  for (;;) {
    const rec = findContainer(engine.db, ref);
    const exit = await engine.monitor.readExit(engine.paths.exitDir, rec.id);
    if (exit) {
      if (exit.code === 0) return;
      throw new DependencyFailedError(
        service,
        `didn't complete successfully: exit ${exit.code}`,
      );
    }
    if (signal?.aborted) throw new DependencyFailedError(service, "was not waited for (aborted)");
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 500);
  }
}
