/**
 * `killContainer`: sends a signal to a created or running container.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import { findContainer } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canKill, requireStatus } from "./status.ts";
import { signalContainer } from "./stop.ts";

/**
 * Normalizes a signal given as `TERM`, `SIGTERM` or a number.
 *
 * @example
 * ```ts
 * import { normalizeSignal } from "./kill.ts";
 * import assert from "node:assert/strict";
 * assert.equal(normalizeSignal("term"), "SIGTERM");
 * assert.equal(normalizeSignal("9"), "9");
 * assert.throws(() => normalizeSignal("SIG"));
 * ```
 */
export function normalizeSignal(signal: string): string {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 64) return s;
  const name = s.startsWith("SIG") ? s : `SIG${s}`;
  if (!/^SIG(RTMIN|RTMAX|[A-Z12]{2,7})(\+\d+|-\d+)?$/.test(name)) {
    throw new RkError(`Invalid signal "${signal}"`);
  }
  return name;
}

/**
 * Sends `signal` (default SIGKILL) to the container `ref`.
 *
 * @example
 * ```ts ignore
 * import { killContainer } from "./kill.ts";
 * await killContainer(engine, "web", "SIGTERM");
 * ```
 */
export async function killContainer(
  engine: Engine,
  ref: string,
  signal = "SIGKILL",
): Promise<void> {
  const sig = normalizeSignal(signal);
  const rec = findContainer(engine.db, ref);
  const view = await inspectRecord(engine, rec);
  requireStatus("kill", rec.name, view.status, canKill);
  await signalContainer(engine, rec, sig);
}
