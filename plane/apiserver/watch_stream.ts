/**
 * `watchResponse`: a `watch=true` answer — one JSON event per line
 * (`{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`), filtered by namespace,
 * name and selectors (an object that stops matching is DELETED, one that starts matching is
 * ADDED), optionally as one-row Tables (only the first carries `columnDefinitions`).
 *
 * @module
 */
import type { ApiResource } from "../api/resources.ts";
import { toTable } from "../api/table/mod.ts";
import type { ApiObject } from "./object_codec.ts";
import { type ListQuery, RestStorage } from "./rest_storage.ts";
import type { WatchCache, WatchItem } from "./watch_cache.ts";

/** Options of {@linkcode watchResponse}. */
export interface WatchStreamOptions {
  /** Key prefix to watch (namespace or whole kind). */
  prefix: string;
  /** Start after this revision; undefined = current state first. */
  resourceVersion: number | undefined;
  /** Selectors. */
  query: ListQuery;
  /** Send BOOKMARK events. */
  allowBookmarks: boolean;
  /** Encode objects as Tables. */
  table: { includeObject: "None" | "Metadata" | "Object" } | undefined;
  /** Close the stream after this many seconds. */
  timeoutSeconds: number;
  /** The client went away. */
  signal: AbortSignal;
  /** Reports a stream that fails (one line). */
  log?: (line: string) => void;
}

const encoder = new TextEncoder();

/** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK (kube-apiserver: 1 min). */
export const BOOKMARK_EVERY_MS = 60_000;

/**
 * Encoded JSON lines of shared cache events, per event type: every watcher of a kind gets the
 * same event object, so it is serialized once, not once per watcher.
 */
const encoded = new WeakMap<object, Map<string, Uint8Array>>();

function encodeShared(item: object, type: string, object: unknown): Uint8Array {
  let byType = encoded.get(item);
  if (!byType) {
    byType = new Map();
    encoded.set(item, byType);
  }
  let bytes = byType.get(type);
  if (!bytes) {
    bytes = encoder.encode(JSON.stringify({ type, object }) + "\n");
    byType.set(type, bytes);
  }
  return bytes;
}

/** Maps a cache event through the selectors: undefined when the watcher should not see it. */
export function filterEvent(
  item: WatchItem,
  q: ListQuery,
): { type: string; object: ApiObject } | undefined {
  if (item.type === "BOOKMARK" || item.type === "ERROR") return undefined;
  const now = RestStorage.matches(item.object, q);
  if (item.type !== "MODIFIED") return now ? { type: item.type, object: item.object } : undefined;
  const before = item.prev ? RestStorage.matches(item.prev, q) : true;
  if (now && before) return { type: "MODIFIED", object: item.object };
  if (now) return { type: "ADDED", object: item.object };
  if (before) return { type: "DELETED", object: item.object };
  return undefined;
}

/** The streaming response of a watch. */
export function watchResponse(
  cache: WatchCache,
  resource: ApiResource,
  opts: WatchStreamOptions,
): Response {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  opts.signal.addEventListener("abort", onAbort);
  const timer = setTimeout(() => ac.abort(), opts.timeoutSeconds * 1000);
  const events = cache.subscribe(
    opts.prefix,
    opts.resourceVersion,
    ac.signal,
    opts.allowBookmarks
      ? {
        bookmarks: {
          everyMs: BOOKMARK_EVERY_MS,
          deadline: Date.now() + opts.timeoutSeconds * 1000,
        },
      }
      : {},
  );
  let first = true;
  const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
  const encode = (type: string, object: unknown) =>
    encoder.encode(JSON.stringify({ type, object }) + "\n");
  const cleanup = () => {
    clearTimeout(timer);
    opts.signal.removeEventListener("abort", onAbort);
    ac.abort();
  };
  // Set when the reader went away (the client closed the connection): a `pull` still waiting
  // for the next event then ends without touching the controller, which no longer accepts
  // anything ("The stream controller cannot close or enqueue").
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await events.next();
          if (cancelled) return;
          if (next.done) {
            cleanup();
            controller.close();
            return;
          }
          const item = next.value;
          if (item.type === "ERROR") {
            controller.enqueue(encode("ERROR", item.status));
            continue;
          }
          if (item.type === "BOOKMARK") {
            if (!opts.allowBookmarks) continue;
            const object = {
              kind: resource.kind,
              apiVersion,
              metadata: { resourceVersion: String(item.revision) },
            };
            if (!opts.table) {
              controller.enqueue(encode("BOOKMARK", object));
              return;
            }
            // kube-apiserver converts a bookmark's (empty) object like any other: a one-row
            // Table of zero values.
            controller.enqueue(encode(
              "BOOKMARK",
              toTable(resource, [object], {
                now: new Date(),
                includeObject: opts.table.includeObject,
                listMeta: { resourceVersion: String(item.revision) },
                noHeaders: !first,
              }),
            ));
            first = false;
            return;
          }
          const ev = filterEvent(item, opts.query);
          if (!ev) continue;
          if (!opts.table) {
            controller.enqueue(encodeShared(item, ev.type, ev.object));
            return;
          }
          const table = toTable(resource, [ev.object], {
            now: new Date(),
            includeObject: opts.table.includeObject,
            listMeta: { resourceVersion: String(ev.object.metadata.resourceVersion) },
            noHeaders: !first,
          });
          first = false;
          controller.enqueue(encode(ev.type, table));
          return;
        }
      } catch (e) {
        cleanup();
        if (cancelled) return;
        opts.log?.(`rks: watch stream failed: ${e instanceof Error ? e.message : e}`);
        controller.error(e);
      }
    },
    async cancel() {
      cancelled = true;
      cleanup();
      await events.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
