/**
 * `serveNodeStream`: the node's side of the streams rks opens towards it (the kubelet's
 * `containerLogs` endpoint): `open` with `purpose: "logs"` → the container's log as `data`
 * frames on channel 1 (with `PodLogOptions`: `follow`, `timestamps`, `tailLines`,
 * `sinceSeconds`, `sinceTime`, `limitBytes`), then the stream closes. A pod or container the node
 * does not have, or a pod of another uid, is an `error` with reason `NotFound` worded as the
 * kubelet words it; `previous` serves the log of the container's instance before its last restart
 * (kept in the pod's state directory when the node replaced it), `BadRequest` when it never
 * restarted, as the kubelet answers. `open` with `purpose: "exec"` runs a command in the container (`./node_exec.ts`).
 *
 * @module
 */
import type { Engine } from "../../core/container/engine.ts";
import { containerLogs, followLogs, previousContainerLogs } from "../../core/container/logs.ts";
import { formatLogLines, type LogLine } from "../../core/runtime/cri_log.ts";
import { listSandboxRecords } from "../../core/pod/pod_store.ts";
import { LABEL_CONTAINER_NAME } from "../../core/pod/pod_labels.ts";
import { listContainerRecords } from "../../core/store/containers.ts";
import { inspectRecord } from "../../core/container/inspect.ts";
import { encodeBase64, writeMessage } from "../node_protocol/mod.ts";
import type { IncomingStream } from "./cluster_session.ts";
import { execRequest, serveExec } from "./node_exec.ts";

const enc = new TextEncoder();

/** The log options rks sends (`PodLogOptions`), as the node reads them. */
interface LogOpts {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  uid?: string;
}

function logOpts(o: Record<string, unknown>): LogOpts {
  const num = (k: string) => typeof o[k] === "number" ? o[k] as number : undefined;
  const out: LogOpts = {
    follow: o.follow === true,
    previous: o.previous === true,
    timestamps: o.timestamps === true,
  };
  for (const k of ["tailLines", "sinceSeconds", "limitBytes"] as const) {
    const v = num(k);
    if (v !== undefined) out[k] = v;
  }
  if (typeof o.sinceTime === "string") out.sinceTime = o.sinceTime;
  if (typeof o.uid === "string") out.uid = o.uid;
  return out;
}

/**
 * The lines at or after `since` (ms since the epoch; every line when undefined), as the
 * kubelet applies `sinceSeconds`/`sinceTime`, with UTC times written with `Z`.
 *
 * @example
 * ```ts
 * import { linesSince } from "./node_streams.ts";
 * import assert from "node:assert/strict";
 * const lines = [
 *   { time: "2026-01-01T00:00:00.5Z", stream: "stdout" as const, text: "a" },
 *   { time: "2026-01-01T00:00:02Z", stream: "stderr" as const, text: "b" },
 * ];
 * assert.deepEqual(linesSince(lines, Date.parse("2026-01-01T00:00:01Z")).map((l) => l.text), ["b"]);
 * assert.equal(linesSince(lines, undefined).length, 2);
 * const utc = [{ time: "2026-01-01T00:00:01.25+00:00", stream: "stdout" as const, text: "c" }];
 * assert.equal(linesSince(utc, undefined)[0]!.time, "2026-01-01T00:00:01.25Z");
 * ```
 */
export function linesSince(lines: readonly LogLine[], since: number | undefined): LogLine[] {
  const picked = since === undefined ? lines : lines.filter((l) => Date.parse(l.time) >= since);
  // conmon writes `+00:00`; the kubelet prints RFC 3339 times in UTC with `Z`.
  return picked.map((l) => ({ ...l, time: l.time.replace(/\+00:00$/, "Z") }));
}

/** Serves one stream rks opened; never throws (failures become an `error` message). */
export async function serveNodeStream(engine: Engine, s: IncomingStream): Promise<void> {
  const { open, writer } = s;
  const fail = async (reason: string, message: string) => {
    await writeMessage(writer, { type: "error", reason, message }).catch(() => {});
  };
  const ac = new AbortController();
  /** The pod's newest container of the requested name, or undefined after an `error`. */
  const container = async (uid: string | undefined, previous: boolean) => {
    const rec = listSandboxRecords(engine.db).find((r) =>
      r.namespace === open.namespace && r.name === open.pod && (!uid || r.uid === uid)
    );
    if (!rec) {
      await fail(
        "NotFound",
        `pod "${open.pod}" in namespace "${open.namespace}" not found on this node`,
      );
      return undefined;
    }
    if (previous) {
      const lines = await previousContainerLogs(rec.stateDir, open.container);
      if (lines) return { previous: lines };
      await fail(
        "BadRequest",
        `previous terminated container "${open.container}" in pod "${open.pod}" not found`,
      );
      return undefined;
    }
    const c = listContainerRecords(engine.db, { owner: rec.id })
      .filter((c) => c.labels[LABEL_CONTAINER_NAME] === open.container)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!c) {
      await fail(
        "BadRequest",
        `container "${open.container}" in pod "${open.pod}" is waiting to start: ContainerCreating`,
      );
    }
    return c;
  };
  try {
    if (open.purpose === "exec") {
      let req;
      try {
        req = execRequest(open.options);
      } catch (e) {
        await fail("BadRequest", e instanceof Error ? e.message : String(e));
        return;
      }
      // The kubelet's answer for a container that does not run (never started, exited, or
      // no sandbox of the pod here): `container not found ("c")`.
      const notFound = `container not found ("${open.container}")`;
      const rec = listSandboxRecords(engine.db).find((r) =>
        r.namespace === open.namespace && r.name === open.pod && (!req.uid || r.uid === req.uid)
      );
      const c = rec
        ? listContainerRecords(engine.db, { owner: rec.id })
          .filter((c) => c.labels[LABEL_CONTAINER_NAME] === open.container)
          .sort((a, b) => b.createdAt - a.createdAt)[0]
        : undefined;
      if (!c || (await inspectRecord(engine, c)).status !== "running") {
        await fail("NotFound", notFound);
        return;
      }
      await serveExec(engine.runtime, c.id, req, s.reader, writer);
      return;
    }
    // rks (or kubectl behind it) going away ends the stream from its side.
    void s.reader.next().then(() => ac.abort(), () => ac.abort());
    const o = logOpts(open.options);
    const c = await container(o.uid, o.previous);
    if (!c) return;
    const since = o.sinceSeconds !== undefined
      ? Date.now() - o.sinceSeconds * 1000
      : o.sinceTime !== undefined
      ? Date.parse(o.sinceTime)
      : undefined;
    let left = o.limitBytes ?? Infinity;
    const send = async (text: string) => {
      if (left <= 0 || text === "") return;
      let bytes = enc.encode(text);
      if (bytes.length > left) bytes = bytes.subarray(0, left);
      left -= bytes.length;
      for (let i = 0; i < bytes.length; i += 64 * 1024) {
        await writeMessage(writer, {
          type: "data",
          channel: 1,
          data: encodeBase64(bytes.subarray(i, i + 64 * 1024)),
        });
      }
    };
    const fmt = { timestamps: o.timestamps };
    const all = "previous" in c ? c.previous : await containerLogs(engine, c.id);
    const lines = o.tailLines !== undefined
      ? all.slice(Math.max(0, all.length - o.tailLines))
      : all;
    await send(formatLogLines(linesSince(lines, since), fmt));
    if (o.follow && left > 0 && !("previous" in c)) {
      let skip = all.length;
      let chain = Promise.resolve();
      const id = c.id;
      await followLogs(engine, id, (batch) => {
        // followLogs starts with every line so far: the ones already sent are skipped.
        const fresh = batch.slice(Math.min(skip, batch.length));
        skip = Math.max(0, skip - batch.length);
        chain = chain.then(() => send(formatLogLines(linesSince(fresh, since), fmt)));
      }, { signal: ac.signal, intervalMs: 250 });
      await chain;
    }
  } catch (e) {
    await fail("InternalError", e instanceof Error ? e.message : String(e));
  } finally {
    ac.abort();
    await writer.close().catch(() => {});
  }
}
