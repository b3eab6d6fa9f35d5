/**
 * {@linkcode SessionInformer}: one collection of API objects (all Nodes, all Services, all
 * EndpointSlices) kept in memory from a list and then a watch over the node's QUIC session to
 * rks, as client-go's informers do over HTTP. A watch that ends resumes from the last
 * resourceVersion (also on a new connection); only a 410 Gone lists again.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { ClusterSession } from "./cluster_session.ts";
import { sleep } from "./_nudge.ts";

type Obj = Record<string, unknown>;

function keyOf(obj: unknown): string | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata)) return undefined;
  const m = obj.metadata;
  if (typeof m.name !== "string") return undefined;
  return typeof m.namespace === "string" && m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

function rvOf(obj: unknown): string | undefined {
  return isRecord(obj) && isRecord(obj.metadata) && typeof obj.metadata.resourceVersion === "string"
    ? obj.metadata.resourceVersion
    : undefined;
}

/**
 * The objects of one collection path (e.g. `/api/v1/services`), by `namespace/name` (or name
 * for cluster-scoped kinds).
 *
 * @example
 * ```ts
 * import { SessionInformer } from "./session_informer.ts";
 * import assert from "node:assert/strict";
 * const inf = new SessionInformer("/api/v1/nodes", { log: () => {}, onChange: () => {} });
 * assert.equal(inf.synced, false);
 * assert.deepEqual(inf.list(), []);
 * ```
 */
export class SessionInformer {
  readonly #path: string;
  readonly #o: { log: (line: string) => void; onChange: () => void };
  readonly #objects = new Map<string, Obj>();
  #rv: string | undefined;
  #synced = false;
  #changes = 0;

  /** Creates the informer for collection `path` (nothing is read until `run`). */
  constructor(path: string, o: { log: (line: string) => void; onChange: () => void }) {
    this.#path = path;
    this.#o = o;
  }

  /** True once the collection was listed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** How many times the objects changed (a list, an added, modified or deleted object). */
  get changes(): number {
    return this.#changes;
  }

  /** Every object, in no particular order. */
  list(): Obj[] {
    return [...this.#objects.values()];
  }

  async #list(session: ClusterSession): Promise<void> {
    const r = await session.request("GET", this.#path);
    if (r.status !== 200 || !isRecord(r.body)) {
      const m = isRecord(r.body) && typeof r.body.message === "string" ? `: ${r.body.message}` : "";
      throw new Error(`cannot list ${this.#path}: HTTP ${r.status}${m}`);
    }
    const items = Array.isArray(r.body.items) ? r.body.items.filter(isRecord) : [];
    this.#objects.clear();
    for (const o of items) {
      const k = keyOf(o);
      if (k !== undefined) this.#objects.set(k, o);
    }
    this.#rv = rvOf(r.body);
    this.#synced = true;
    this.#changes++;
    this.#o.onChange();
  }

  /**
   * Lists, then watches until `signal` aborts or the session closes; errors are logged and
   * retried after a second. Never throws.
   */
  async run(session: ClusterSession, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let events = 0;
      try {
        if (this.#rv === undefined) await this.#list(session);
        for await (const ev of session.watch(this.#path, this.#rv, signal)) {
          events++;
          const obj = ev.object;
          if (ev.eventType === "ERROR") {
            if (obj.code === 410) {
              this.#rv = undefined;
              break;
            }
            throw new Error(`watch ${this.#path}: ${String(obj.message ?? JSON.stringify(obj))}`);
          }
          const rv = rvOf(obj);
          if (rv !== undefined) this.#rv = rv;
          if (ev.eventType === "BOOKMARK") continue;
          const k = keyOf(obj);
          if (k === undefined) continue;
          if (ev.eventType === "DELETED") this.#objects.delete(k);
          else this.#objects.set(k, obj);
          this.#changes++;
          this.#o.onChange();
        }
      } catch (e) {
        if (signal.aborted) return;
        this.#o.log(`node agent: ${e instanceof Error ? e.message : String(e)}; retrying`);
        await sleep(1000, signal);
        continue;
      }
      if (events === 0) await sleep(500, signal);
    }
  }
}
