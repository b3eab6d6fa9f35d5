/**
 * Request builders and response parsers shared by both transports. Requests are plain objects
 * with etcd's field names and `Uint8Array` bytes (the HTTP transport base64-encodes them);
 * responses are parsed from `unknown`, accepting both the gateway's form (base64 strings, int64
 * as strings, zero values omitted) and proto-loader's (Buffers, `longs: String`, defaults set).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { StoreDataError } from "./errors.ts";
import type {
  Compare,
  DeleteResult,
  KeyValue,
  RangeOptions,
  RangeResult,
  TxnOp,
  TxnOpResult,
  TxnRequest,
} from "./kv_store.ts";

/** A request object in etcd's field names; bytes as Uint8Array, int64 as decimal strings. */
export type Wire = { [field: string]: WireValue };
/** A value inside {@linkcode Wire}. */
export type WireValue = string | number | boolean | Uint8Array | Wire | WireValue[];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string (bytes are passed through). */
export function bytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? encoder.encode(v) : v;
}

/** Decodes UTF-8 bytes. */
export function text(v: Uint8Array): string {
  return decoder.decode(v);
}

/**
 * The exclusive end of the range of keys starting with `prefix`: the prefix with its last byte
 * below 0xff incremented (trailing 0xff bytes dropped); `\0` (every key) for an empty prefix.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}

/** Standard padded base64 of bytes. */
export function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Bytes of standard base64. */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function rangeEndOf(key: Uint8Array, opts: RangeOptions | { prefix?: boolean; rangeEnd?: string }) {
  if (opts.rangeEnd !== undefined) return bytes(opts.rangeEnd);
  if (opts.prefix) return prefixEnd(key);
  return undefined;
}

/** Builds a `RangeRequest`. */
export function rangeRequest(key: string, opts: RangeOptions = {}): Wire {
  const k = bytes(key);
  const end = rangeEndOf(k, opts);
  const req: Wire = { key: k };
  if (end) req.range_end = end;
  if (opts.limit) req.limit = String(opts.limit);
  if (opts.revision) req.revision = String(opts.revision);
  if (opts.keysOnly) req.keys_only = true;
  if (opts.countOnly) req.count_only = true;
  return req;
}

/** Builds a `PutRequest`. */
export function putRequest(
  key: string,
  value: string | Uint8Array,
  opts: { lease?: string; prevKv?: boolean } = {},
): Wire {
  const req: Wire = { key: bytes(key), value: bytes(value) };
  if (opts.lease && opts.lease !== "0") req.lease = opts.lease;
  if (opts.prevKv) req.prev_kv = true;
  return req;
}

/** Builds a `DeleteRangeRequest`. */
export function deleteRequest(
  key: string,
  opts: { prefix?: boolean; prevKv?: boolean } = {},
): Wire {
  const k = bytes(key);
  const req: Wire = { key: k };
  const end = rangeEndOf(k, opts);
  if (end) req.range_end = end;
  if (opts.prevKv) req.prev_kv = true;
  return req;
}

const compareResults = {
  equal: "EQUAL",
  not_equal: "NOT_EQUAL",
  greater: "GREATER",
  less: "LESS",
} as const;

const compareFields = {
  version: "version",
  create: "create_revision",
  mod: "mod_revision",
  lease: "lease",
} as const;

function compareRequest(c: Compare): Wire {
  const req: Wire = {
    key: bytes(c.key),
    target: c.target.toUpperCase(),
    result: compareResults[c.result],
  };
  if (c.target === "value") req.value = bytes(c.value);
  else req[compareFields[c.target]] = String(c.value);
  return req;
}

function opRequest(op: TxnOp): Wire {
  switch (op.type) {
    case "put": {
      const o: { lease?: string; prevKv?: boolean } = {};
      if (op.lease !== undefined) o.lease = op.lease;
      if (op.prevKv !== undefined) o.prevKv = op.prevKv;
      return { request_put: putRequest(op.key, op.value, o) };
    }
    case "get":
      return { request_range: rangeRequest(op.key, op) };
    case "delete":
      return { request_delete_range: deleteRequest(op.key, op) };
  }
}

/** Builds a `TxnRequest`. */
export function txnRequest(req: TxnRequest): Wire {
  return {
    compare: req.compare.map(compareRequest),
    success: req.success.map(opRequest),
    failure: (req.failure ?? []).map(opRequest),
  };
}

// ---- parsing ----

/** Reads a record (missing/null → empty record). */
export function record(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new StoreDataError(`${what}: expected an object, got ${typeof v}`);
  return v;
}

/** Reads an int64 field sent as a string or number (missing → 0). */
export function int(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  throw new StoreDataError(`${what}: expected an integer, got ${JSON.stringify(v)}`);
}

/** Reads an int64 id as a decimal string (missing → "0"). */
export function id(v: unknown, what: string): string {
  if (v === undefined || v === null) return "0";
  if (typeof v === "string" && /^-?\d+$/.test(v)) return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  throw new StoreDataError(`${what}: expected an integer id, got ${JSON.stringify(v)}`);
}

/** Reads a bool (missing → false). */
export function bool(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  throw new StoreDataError(`${what}: expected a boolean, got ${JSON.stringify(v)}`);
}

/** Reads a string (missing → ""). */
export function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  throw new StoreDataError(`${what}: expected a string, got ${JSON.stringify(v)}`);
}

/** Reads bytes sent as base64 (gateway) or a Uint8Array/Buffer (gRPC); missing → empty. */
export function bin(v: unknown, what: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array();
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") {
    try {
      return fromBase64(v);
    } catch (e) {
      throw new StoreDataError(`${what}: invalid base64`, {}, { cause: e });
    }
  }
  throw new StoreDataError(`${what}: expected bytes, got ${typeof v}`);
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  throw new StoreDataError(`${what}: expected an array`);
}

/** Parses a `KeyValue`. */
export function parseKv(v: unknown, what = "kv"): KeyValue {
  const r = record(v, what);
  return {
    key: text(bin(r.key, `${what}.key`)),
    value: bin(r.value, `${what}.value`),
    createRevision: int(r.create_revision, `${what}.create_revision`),
    modRevision: int(r.mod_revision, `${what}.mod_revision`),
    version: int(r.version, `${what}.version`),
    lease: id(r.lease, `${what}.lease`),
  };
}

function optionalKv(v: unknown, what: string): KeyValue | undefined {
  return v === undefined || v === null ? undefined : parseKv(v, what);
}

/** The `header.revision` of a response. */
export function headerRevision(r: Record<string, unknown>, what: string): number {
  return int(record(r.header, `${what}.header`).revision, `${what}.header.revision`);
}

/** Parses a `RangeResponse`. */
export function parseRange(v: unknown, what = "range"): RangeResult {
  const r = record(v, what);
  return {
    kvs: list(r.kvs, `${what}.kvs`).map((kv, i) => parseKv(kv, `${what}.kvs[${i}]`)),
    more: bool(r.more, `${what}.more`),
    count: int(r.count, `${what}.count`),
    revision: headerRevision(r, what),
  };
}

/** Parses a `PutResponse`. */
export function parsePut(v: unknown, what = "put"): { revision: number; prevKv?: KeyValue } {
  const r = record(v, what);
  const prev = optionalKv(r.prev_kv, `${what}.prev_kv`);
  return { revision: headerRevision(r, what), ...(prev ? { prevKv: prev } : {}) };
}

/** Parses a `DeleteRangeResponse`. */
export function parseDelete(v: unknown, what = "delete"): DeleteResult {
  const r = record(v, what);
  return {
    revision: headerRevision(r, what),
    deleted: int(r.deleted, `${what}.deleted`),
    prevKvs: list(r.prev_kvs, `${what}.prev_kvs`).map((kv, i) =>
      parseKv(kv, `${what}.prev_kvs[${i}]`)
    ),
  };
}

/**
 * Parses a `TxnResponse`. Sub-responses carry no header revision of their own on some servers,
 * so the txn's revision is used for them.
 */
export function parseTxn(
  v: unknown,
  what = "txn",
): { succeeded: boolean; revision: number; results: TxnOpResult[] } {
  const r = record(v, what);
  const revision = headerRevision(r, what);
  const results = list(r.responses, `${what}.responses`).map((op, i): TxnOpResult => {
    const o = record(op, `${what}.responses[${i}]`);
    const w = `${what}.responses[${i}]`;
    if (o.response_put !== undefined && o.response_put !== null) {
      const p = parsePut(o.response_put, `${w}.response_put`);
      return { type: "put", ...p, revision };
    }
    if (o.response_range !== undefined && o.response_range !== null) {
      return { type: "get", ...parseRange(o.response_range, `${w}.response_range`), revision };
    }
    if (o.response_delete_range !== undefined && o.response_delete_range !== null) {
      return {
        type: "delete",
        ...parseDelete(o.response_delete_range, `${w}.response_delete_range`),
        revision,
      };
    }
    throw new StoreDataError(`${w}: unsupported response kind`);
  });
  return { succeeded: bool(r.succeeded, `${what}.succeeded`), revision, results };
}

/** One parsed `WatchResponse`. */
export interface WatchResponse {
  /** `header.revision`. */
  revision: number;
  /** `watch_id`: the watcher's id, -1 on the answer to a progress request. */
  watchId: number;
  /** The watch was created. */
  created: boolean;
  /** The watch was canceled by the server. */
  canceled: boolean;
  /** Compaction revision when canceled because the start revision was compacted. */
  compactRevision: number;
  /** Why it was canceled. */
  cancelReason: string;
  /** Events (empty for created/progress responses). */
  events: { type: "put" | "delete"; kv: KeyValue; prevKv?: KeyValue }[];
}

/** Parses a `WatchResponse`. */
export function parseWatchResponse(v: unknown, what = "watch"): WatchResponse {
  const r = record(v, what);
  const events = list(r.events, `${what}.events`).map((e, i) => {
    const w = `${what}.events[${i}]`;
    const ev = record(e, w);
    const t = ev.type === undefined || ev.type === null ? "PUT" : ev.type;
    if (t !== "PUT" && t !== "DELETE" && t !== 0 && t !== 1) {
      throw new StoreDataError(`${w}.type: expected PUT or DELETE, got ${JSON.stringify(t)}`);
    }
    const prev = optionalKv(ev.prev_kv, `${w}.prev_kv`);
    return {
      type: t === "DELETE" || t === 1 ? "delete" as const : "put" as const,
      kv: parseKv(ev.kv, `${w}.kv`),
      ...(prev ? { prevKv: prev } : {}),
    };
  });
  return {
    revision: headerRevision(r, what),
    watchId: int(r.watch_id, `${what}.watch_id`),
    created: bool(r.created, `${what}.created`),
    canceled: bool(r.canceled, `${what}.canceled`),
    compactRevision: int(r.compact_revision, `${what}.compact_revision`),
    cancelReason: str(r.cancel_reason, `${what}.cancel_reason`),
    events,
  };
}
