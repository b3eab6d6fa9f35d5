/**
 * The key-value requests of {@linkcode EtcdClient}: range (one page), list (every page at one
 * revision), put, delete, txn and compact, sent through a {@linkcode Connection}.
 *
 * @module
 */
import type { Connection, Ctx } from "./_connection.ts";
import type {
  DeleteOptions,
  DeleteResult,
  KeyValue,
  ListOptions,
  ListResult,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  TxnRequest,
  TxnResult,
} from "./kv_store.ts";
import {
  bytes,
  deleteRequest,
  parseDelete,
  parsePut,
  parseRange,
  parseTxn,
  putRequest,
  rangeRequest,
  text,
  txnRequest,
} from "./_wire.ts";

/** Reads one page of a key range. */
export async function range(c: Connection, key: string, opts: RangeOptions): Promise<RangeResult> {
  const ctx: Ctx = { operation: "range", key };
  if (opts.revision !== undefined) ctx.revision = opts.revision;
  return parseRange(await c.call("Range", rangeRequest(key, opts), ctx));
}

/** Reads every key in `[key, end)` at one revision, `pageSize` keys per request. */
export async function listRange(
  c: Connection,
  key: string,
  end: Uint8Array,
  opts: ListOptions,
): Promise<ListResult> {
  const pageSize = opts.pageSize ?? 500;
  const endText = text(end);
  let revision = opts.revision ?? 0;
  const kvs: KeyValue[] = [];
  let from = key;
  for (;;) {
    const page = await range(c, from, {
      rangeEnd: endText,
      limit: pageSize,
      ...(revision ? { revision } : {}),
      ...(opts.keysOnly ? { keysOnly: true } : {}),
    });
    if (!revision) revision = page.revision;
    for (const kv of page.kvs) kvs.push(kv);
    const last = page.kvs.at(-1);
    if (!page.more || !last) break;
    from = `${last.key}\0`;
  }
  return { kvs, revision };
}

/** Writes a key. */
export async function put(
  c: Connection,
  key: string,
  value: string | Uint8Array,
  opts: PutOptions,
): Promise<PutResult> {
  const v = bytes(value);
  const ctx: Ctx = { operation: "put", key, size: v.length };
  if (opts.lease !== undefined) ctx.lease = opts.lease;
  return parsePut(await c.call("Put", putRequest(key, v, opts), ctx));
}

/** Deletes a key or a prefix. */
export async function del(c: Connection, key: string, opts: DeleteOptions): Promise<DeleteResult> {
  return parseDelete(
    await c.call("DeleteRange", deleteRequest(key, opts), { operation: "delete", key }),
  );
}

/** Runs a transaction; errors name its first key, total put size and lease. */
export async function txn(c: Connection, req: TxnRequest): Promise<TxnResult> {
  const ops = [...req.success, ...(req.failure ?? [])];
  const firstKey = req.compare[0]?.key ?? ops[0]?.key;
  const size = ops.reduce((n, op) => n + (op.type === "put" ? bytes(op.value).length : 0), 0);
  const lease = ops.find((op) => op.type === "put" && op.lease !== undefined);
  const ctx: Ctx = { operation: "txn", size };
  if (firstKey !== undefined) ctx.key = firstKey;
  if (lease?.type === "put" && lease.lease !== undefined) ctx.lease = lease.lease;
  return parseTxn(await c.call("Txn", txnRequest(req), ctx));
}

/** Compacts history up to `revision`. */
export async function compact(c: Connection, revision: number): Promise<void> {
  await c.call("Compact", { revision: String(revision) }, { operation: "compact", revision });
}
