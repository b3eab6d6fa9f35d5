/**
 * Messages between {@linkcode WorkerGrpcTransport} and its worker (`_grpc_worker.ts`), and the
 * store errors turned into plain data and back (errors lose their class when cloned).
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import { KvStoreError, StoreTimeoutError, StoreUnavailableError } from "./errors.ts";
import type { Method, TlsOptions } from "./_transport.ts";
import type { Wire } from "./_wire.ts";

/** Owner → worker. */
export type ToWorker =
  | { t: "init"; endpoint: string; tls: TlsOptions | undefined }
  | { t: "token"; token: string | undefined }
  | { t: "call"; id: number; method: Method; request: Wire; timeoutMs: number; operation: string };

/** Worker → owner: the answer to call `id`. */
export type ToOwner =
  | { id: number; ok: true; res: unknown }
  | { id: number; ok: false; error: ErrorData };

/** A transport error as plain data. */
export type ErrorData =
  | { kind: "unavailable"; endpoints: string[]; detail: string; key?: string; cause: string }
  | {
    kind: "timeout";
    operation: string;
    timeoutMs: number;
    endpoint?: string;
    key?: string;
    cause: string;
  }
  | { kind: "kv"; reason: string; code: number; endpoint?: string; key?: string; cause: string }
  | { kind: "rk"; message: string; cause: string }
  | { kind: "other"; name: string; message: string };

function causeText(e: Error): string {
  const c = e.cause;
  return c instanceof Error ? c.message : c === undefined ? "" : String(c);
}

function where(e: KvStoreError): { endpoint?: string; key?: string } {
  return {
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
    ...(e.key !== undefined ? { key: e.key } : {}),
  };
}

/** `e` as plain data for {@linkcode errorFromData}. */
export function errorData(e: unknown): ErrorData {
  if (e instanceof StoreUnavailableError) {
    return {
      kind: "unavailable",
      endpoints: [...e.endpoints],
      detail: e.detail,
      ...(e.key !== undefined ? { key: e.key } : {}),
      cause: causeText(e),
    };
  }
  if (e instanceof StoreTimeoutError) {
    return {
      kind: "timeout",
      operation: e.operation,
      timeoutMs: e.timeoutMs,
      ...where(e),
      cause: causeText(e),
    };
  }
  if (e instanceof KvStoreError) {
    return { kind: "kv", reason: e.reason, code: e.code, ...where(e), cause: causeText(e) };
  }
  if (e instanceof RkError) return { kind: "rk", message: e.message, cause: causeText(e) };
  if (e instanceof Error) return { kind: "other", name: e.name, message: e.message };
  return { kind: "other", name: "Error", message: String(e) };
}

/** The error {@linkcode errorData} described (same class and fields; the cause as its text). */
export function errorFromData(d: ErrorData): Error {
  const cause = "cause" in d && d.cause ? { cause: new Error(d.cause) } : undefined;
  switch (d.kind) {
    case "unavailable":
      return new StoreUnavailableError(
        d.endpoints,
        d.detail,
        d.key !== undefined ? { key: d.key } : {},
        cause,
      );
    case "timeout":
      return new StoreTimeoutError(d.operation, d.timeoutMs, ctx(d), cause);
    case "kv":
      return new KvStoreError(d.reason, ctx(d), d.code, cause);
    case "rk":
      return new RkError(d.message, cause);
    case "other": {
      const e = new Error(d.message);
      e.name = d.name;
      return e;
    }
  }
}

function ctx(d: { endpoint?: string; key?: string }): { endpoint?: string; key?: string } {
  return {
    ...(d.endpoint !== undefined ? { endpoint: d.endpoint } : {}),
    ...(d.key !== undefined ? { key: d.key } : {}),
  };
}
