/**
 * kubectl's age format (`5s`, `3m20s`, `2d5h`, …).
 *
 * @module
 */

/**
 * A duration as kubectl and the API server's Table printers show ages: about 2–3 significant
 * figures, `"0s"` for up to 2 s in the future (clock skew) and `"<invalid>"` beyond.
 *
 * The steps are those of `HumanDuration` in k8s.io/apimachinery/pkg/util/duration: seconds up
 * to 2 min (`119s`); minutes and seconds up to 10 min (`3m20s`); minutes up to 3 h (`179m`);
 * hours and minutes up to 8 h (`7h5m`); hours up to 48 h; days and hours up to 8 days
 * (`2d5h`); days up to 2 years; years and days up to 8 years; then years.
 *
 * @param ms the duration in milliseconds (may be negative).
 * @returns the formatted age.
 *
 * @example
 * ```ts
 * import { humanDuration } from "./human_duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(humanDuration(5_000), "5s");
 * assert.equal(humanDuration(200_000), "3m20s");
 * assert.equal(humanDuration((2 * 24 + 5) * 3600_000), "2d5h");
 * assert.equal(humanDuration(-5_000), "<invalid>");
 * ```
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Go's zero `time.Time`, which `metav1.Time.IsZero()` treats as unset. */
const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

/**
 * The age of a timestamp as the printers show it (`translateTimestampSince`): `"<unknown>"` when
 * the timestamp is missing or unparsable, else {@linkcode humanDuration} of `now - t`.
 *
 * @param timestamp an RFC 3339 string (`metadata.creationTimestamp`), or anything else for "unset".
 * @param now the reference time.
 *
 * @example
 * ```ts
 * import { ageSince } from "./human_duration.ts";
 * import assert from "node:assert/strict";
 * const now = new Date("2026-01-01T00:10:00Z");
 * assert.equal(ageSince("2026-01-01T00:00:00Z", now), "10m");
 * assert.equal(ageSince(undefined, now), "<unknown>");
 * ```
 */
export function ageSince(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== "string" || timestamp === "") return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t) || t === GO_ZERO_TIME) return "<unknown>";
  return humanDuration(now.getTime() - t);
}
