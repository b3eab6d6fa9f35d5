/**
 * The `State` and `Status` of a service container as `docker compose ps` prints them: State is
 * docker's lower-case container state (`created`, `running`, `exited`, `dead`), Status the
 * sentence docker's daemon writes (`Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`), with
 * durations in the words of go-units' `HumanDuration`. Pure.
 *
 * @module
 */

/** A docker container state, as `docker compose ps --format json` spells `State`. */
export type DockerContainerState = "created" | "running" | "exited" | "dead";

/** What the pod layer knows about a service's app container. */
export interface PsContainerFacts {
  /** The pod layer's state; `waiting` before the container was created. */
  state: "created" | "running" | "exited" | "unknown" | "waiting";
  /** Start time (ms since the epoch). */
  startedAt?: number;
  /** Exit time (ms since the epoch). */
  finishedAt?: number;
  /** Exit code once exited. */
  exitCode?: number;
}

/** `State`, `Status` and `ExitCode` of one `docker compose ps` row. */
export interface PsStatus {
  /** Lower-case state. */
  State: DockerContainerState;
  /** Human sentence. */
  Status: string;
  /** Exit code (0 while running, as docker reports it). */
  ExitCode: number;
}

/**
 * A duration in docker's words (go-units `HumanDuration`): `Less than a second`, `1 second`,
 * `45 seconds`, `About a minute`, `12 minutes`, `About an hour`, `5 hours`, `3 days`, `2 weeks`,
 * `4 months`, `2 years`.
 *
 * @example
 * ```ts
 * import { humanDuration } from "./ps_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(humanDuration(300), "Less than a second");
 * assert.equal(humanDuration(3_000), "3 seconds");
 * assert.equal(humanDuration(90_000), "About a minute");
 * assert.equal(humanDuration(3 * 3600_000), "3 hours");
 * ```
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/**
 * The `State`/`Status` docker would print for a container with these facts at `now`. A
 * container the pod layer cannot see (`unknown`, or no facts because the pod is gone) is
 * `dead`, docker's state for a container it could not keep track of; one not created yet is
 * `created`.
 *
 * @example
 * ```ts
 * import { psStatus } from "./ps_status.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(psStatus({ state: "running", startedAt: 0 }, 3_500), {
 *   State: "running", Status: "Up 3 seconds", ExitCode: 0,
 * });
 * assert.deepEqual(psStatus({ state: "exited", exitCode: 1, finishedAt: 0 }, 120_000), {
 *   State: "exited", Status: "Exited (1) 2 minutes ago", ExitCode: 1,
 * });
 * assert.equal(psStatus(undefined, 0).State, "dead");
 * ```
 */
export function psStatus(c: PsContainerFacts | undefined, now: number): PsStatus {
  switch (c?.state) {
    case "running":
      return {
        State: "running",
        Status: `Up ${humanDuration(now - (c.startedAt ?? now))}`,
        ExitCode: 0,
      };
    case "exited": {
      const code = c.exitCode ?? 0;
      const ago = c.finishedAt === undefined ? "" : ` ${humanDuration(now - c.finishedAt)} ago`;
      return { State: "exited", Status: `Exited (${code})${ago}`, ExitCode: code };
    }
    case "created":
    case "waiting":
      return { State: "created", Status: "Created", ExitCode: 0 };
    default:
      return { State: "dead", Status: "Dead", ExitCode: c?.exitCode ?? 0 };
  }
}

/**
 * A command as docker's COMMAND column shows it: the words joined, quoted, cut to 20
 * characters with `…` (docker ps without `--no-trunc`).
 *
 * @example
 * ```ts
 * import { psCommand } from "./ps_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(psCommand(["sleep", "300"]), '"sleep 300"');
 * assert.equal(psCommand(["docker-entrypoint.sh", "postgres"]), '"docker-entrypoint.s…"');
 * ```
 */
export function psCommand(argv: readonly string[], truncate = true): string {
  const text = argv.join(" ");
  const chars = [...text];
  return truncate && chars.length > 20 ? `"${chars.slice(0, 19).join("")}…"` : `"${text}"`;
}
