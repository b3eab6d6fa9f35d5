/**
 * The watch of {@linkcode EtcdClient}: one stream at a time that reconnects (next endpoint,
 * backoff) from the last delivered revision + 1, re-lists after compaction, and probes a silent
 * stream's endpoint to catch paths that died without closing.
 *
 * @module
 */
import { isUnavailable, sleep } from "./_connection.ts";
import type { Connection } from "./_connection.ts";
import { listRange } from "./_kv_ops.ts";
import { KvStoreError, StoreTimeoutError, StoreUnavailableError } from "./errors.ts";
import type { Transport, WatchControl } from "./_transport.ts";
import type { ResetEvent, WatchEvent, WatchOptions } from "./kv_store.ts";
import { bytes, parseWatchResponse, prefixEnd, rangeRequest, type Wire } from "./_wire.ts";

/**
 * gRPC codes a stream ends with when the connection under it breaks rather than the server
 * refusing the request: CANCELLED (1), UNKNOWN (2) and INTERNAL (13), e.g. grpc-js's
 * "Received RST_STREAM with code 0 (Call ended without gRPC status)" when etcd shuts down.
 * Only streams that resume where they left off (watches) treat these as a reason to reconnect;
 * a unary write that failed this way may have been applied, so it is not retried.
 */
const droppedStreamCodes: ReadonlySet<number> = new Set([1, 2, 13]);

/**
 * True when a watch stream should reconnect after `e` instead of failing. Typed subclasses
 * (compacted, bad data, ...) are never a dropped stream, whatever their code.
 */
function isDroppedStream(e: unknown): e is KvStoreError {
  return isUnavailable(e) ||
    (e instanceof KvStoreError && e.constructor === KvStoreError && droppedStreamCodes.has(e.code));
}

/** See `EtcdClient.watch`. */
export async function* watch(
  c: Connection,
  key: string,
  opts: WatchOptions,
): AsyncGenerator<WatchEvent> {
  // Ends on the caller's signal or when the client is closed.
  const outer = opts.signal ? AbortSignal.any([opts.signal, c.closing]) : c.closing;
  const keyBytes = bytes(key);
  const end = opts.prefix ? prefixEnd(keyBytes) : undefined;
  let next = opts.startRevision ?? 0;
  let failingSince: number | undefined;
  let delay = 50;
  let index = c.current;
  const n = c.transports.length;
  const failures: string[] = [];
  while (!outer.aborted && !c.closed) {
    const t = c.transports[index % n]!;
    const create: Wire = { key: keyBytes };
    if (end) create.range_end = end;
    if (next > 0) create.start_revision = String(next);
    if (opts.prevKv) create.prev_kv = true;
    if (opts.progressNotify) create.progress_notify = true;
    const stream = new AbortController();
    const onAbort = () => stream.abort();
    outer.addEventListener("abort", onAbort, { once: true });
    let reset: ResetEvent | undefined;
    const control: WatchControl = {};
    const probe = probeWhileSilent(c, t, key, stream, control);
    try {
      await c.authenticate(t, { operation: "watch", key });
      for await (const raw of t.watch(create, stream.signal, control)) {
        probe.heard();
        const r = parseWatchResponse(raw);
        if (r.canceled) {
          if (r.compactRevision > 0) {
            // A single-key watch lists [key, key + "\0"), which is exactly the key.
            const snap = await listRange(c, key, end ?? bytes(`${key}\0`), {});
            reset = {
              type: "reset",
              revision: snap.revision,
              compactRevision: r.compactRevision,
              kvs: snap.kvs,
            };
            break;
          }
          throw new KvStoreError(
            `Watch canceled by the store: ${r.cancelReason || "no reason given"}`,
            { endpoint: t.endpoint, key },
          );
        }
        failingSince = undefined;
        delay = 50;
        failures.length = 0;
        if (r.created) {
          if (next === 0) next = r.revision + 1;
          continue;
        }
        if (r.events.length === 0) {
          // The answer to the probe's progress request proves the stream delivers, nothing
          // more: etcd 3.4 answers it with the store's revision even while this watcher is
          // still catching up, so its revision is no resume point. etcd's own progress
          // notifications (`progress_notify`) carry the watcher's id and come only when it
          // is caught up.
          if (r.watchId === -1) continue;
          if (r.revision + 1 > next) next = r.revision + 1;
          probe.delivering(true);
          yield { type: "progress", revision: r.revision };
          probe.delivering(false);
          continue;
        }
        let last = 0;
        for (const ev of r.events) {
          if (ev.kv.modRevision < next) continue; // already delivered before a reconnect
          last = ev.kv.modRevision;
          probe.delivering(true);
          yield ev;
          probe.delivering(false);
        }
        if (last >= next) next = last + 1;
      }
      if (reset) {
        next = reset.revision + 1;
        probe.delivering(true);
        yield reset;
        continue;
      }
      if (outer.aborted) return;
      failures.push(`${t.endpoint}: ${probe.stalled ?? "watch stream ended"}`);
    } catch (e) {
      if (outer.aborted) return;
      // An expired token is forgotten, so the next attempt authenticates again.
      if (!c.auth?.expired(t, e) && !isDroppedStream(e)) {
        throw c.refine(e, { operation: "watch", key, revision: next });
      }
      const detail = e instanceof StoreUnavailableError
        ? e.detail
        : e instanceof KvStoreError
        ? e.reason
        : String(e);
      failures.push(`${t.endpoint}: ${detail}`);
    } finally {
      probe.stop();
      outer.removeEventListener("abort", onAbort);
      stream.abort();
    }
    // The stream failed or ended: reconnect (next endpoint first) with backoff.
    failingSince ??= Date.now();
    if (Date.now() - failingSince > c.watchReconnectMs) {
      throw new StoreUnavailableError(
        c.endpoints,
        `watch could not reconnect for ${c.watchReconnectMs} ms: ${failures.slice(-n).join("; ")}`,
        { key },
      );
    }
    index++;
    if (!await sleep(delay, outer)) return;
    delay = Math.min(delay * 2, 1000);
  }
}

/**
 * Watches a stream for silence while its reader waits for the next event (time the reader
 * spends holding an event is not silence). After `watchProbeMs` of it, asks the endpoint for
 * a key count and, where the transport can send on the stream (gRPC), then asks the stream
 * for a progress notification. The stream is aborted (`stalled` says why; the watch reconnects
 * from its next revision, so nothing is lost) when the count fails as unreachable or times
 * out — a path that died without closing — or when the endpoint answers but the stream
 * leaves two progress requests in a row unanswered for `max(watchProbeMs, 1 s)` each: a
 * stream that stopped delivering would otherwise hold back every later event for good. Other
 * probe failures (e.g. permissions) leave the stream to report for itself.
 */
function probeWhileSilent(
  c: Connection,
  t: Transport,
  key: string,
  stream: AbortController,
  control: WatchControl,
) {
  const probeMs = c.watchProbeMs;
  const timeoutMs = Math.max(probeMs, 1000);
  let lastHeard = Date.now();
  let probing = false;
  let delivering = false;
  let askedAt: number | undefined;
  let unanswered = 0;
  const state = {
    stalled: undefined as string | undefined,
    /** The stream delivered something. */
    heard: () => {
      lastHeard = Date.now();
      askedAt = undefined;
      unanswered = 0;
    },
    /** The reader holds an event (true) or waits for the next one (false). */
    delivering: (on: boolean) => {
      delivering = on;
      lastHeard = Date.now();
    },
    stop: () => clearInterval(timer),
  };
  const stall = (why: string) => {
    state.stalled = why;
    stream.abort();
  };
  const silent = () => !delivering && Date.now() - lastHeard >= probeMs;
  const check = () => {
    if (stream.signal.aborted) return;
    if (askedAt !== undefined) {
      if (delivering) {
        askedAt = undefined;
        unanswered = 0;
      } else if (Date.now() - askedAt >= timeoutMs) {
        // Asked once more before giving up: an event loop held up past the deadline can run
        // this timer before the answer waiting in the socket.
        if (++unanswered < 2) {
          askedAt = Date.now();
          control.requestProgress?.();
          return;
        }
        stall(
          `watch stream silent: two progress requests unanswered for ${timeoutMs} ms each ` +
            "though the endpoint answers",
        );
      }
      return;
    }
    if (probing || !silent()) return;
    probing = true;
    t.call("Range", rangeRequest(key, { countOnly: true }), {
      timeoutMs,
      operation: "watch probe",
    }).then(() => {
      if (stream.signal.aborted || !silent()) return;
      const ask = control.requestProgress;
      if (!ask) {
        lastHeard = Date.now();
        return;
      }
      askedAt = Date.now();
      ask();
    }, (e) => {
      if (!isUnavailable(e) && !(e instanceof StoreTimeoutError)) return;
      stall(`watch stream silent and the endpoint did not answer within ${timeoutMs} ms`);
    }).finally(() => {
      probing = false;
    });
  };
  const timer = probeMs > 0 ? setInterval(check, Math.max(25, probeMs / 4)) : undefined;
  return state;
}
