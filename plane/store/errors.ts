/**
 * Typed errors of the cluster store client. Each names the endpoint and, where there is one,
 * the key, lease or revision involved.
 *
 * @module
 */
import { ConflictError, RkError } from "../../core/errors.ts";

/** What a store error is about. */
export interface StoreErrorContext {
  /** The endpoint that answered (or failed), e.g. `grpc://127.0.0.1:2379`. */
  endpoint?: string;
  /** The key (or key prefix) of the request. */
  key?: string;
}

function where(ctx: StoreErrorContext): string {
  const parts: string[] = [];
  if (ctx.key !== undefined) parts.push(`key "${ctx.key}"`);
  if (ctx.endpoint !== undefined) parts.push(`at ${ctx.endpoint}`);
  return parts.length > 0 ? ` (${parts.join(" ")})` : "";
}

/**
 * Base class of store errors; `code` is the gRPC status code when the server sent one.
 *
 * @example
 * ```ts
 * import { KvStoreError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new KvStoreError("etcdserver: bad", { endpoint: "http://127.0.0.1:2379", key: "/a" }, 3);
 * assert.equal(e.message, 'etcdserver: bad (key "/a" at http://127.0.0.1:2379)');
 * assert.equal(e.code, 3);
 * ```
 */
export class KvStoreError extends RkError {
  /** The endpoint involved, when known. */
  readonly endpoint: string | undefined;
  /** The key involved, when known. */
  readonly key: string | undefined;
  /** gRPC status code (2 unknown, 3 invalid argument, 5 not found, 11 out of range, ...). */
  readonly code: number;
  /** The server's message without context. */
  readonly reason: string;
  /** Creates the error. */
  constructor(reason: string, ctx: StoreErrorContext = {}, code = 2, options?: ErrorOptions) {
    super(`${reason}${where(ctx)}`, options);
    this.name = "KvStoreError";
    this.endpoint = ctx.endpoint;
    this.key = ctx.key;
    this.code = code;
    this.reason = reason;
  }
}

/**
 * No endpoint could be reached (connection refused, reset, DNS failure, ...).
 *
 * @example
 * ```ts
 * import { StoreUnavailableError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StoreUnavailableError(["http://127.0.0.1:1"], "connection refused");
 * assert.match(e.message, /Cannot reach the store at http:\/\/127.0.0.1:1: connection refused/);
 * ```
 */
export class StoreUnavailableError extends KvStoreError {
  /** Every endpoint that was tried. */
  readonly endpoints: readonly string[];
  /** What went wrong, without the endpoints. */
  readonly detail: string;
  /** Creates the error. */
  constructor(
    endpoints: readonly string[],
    detail: string,
    ctx: { key?: string } = {},
    options?: ErrorOptions,
  ) {
    super(
      `Cannot reach the store at ${endpoints.join(", ")}: ${detail}`,
      { ...ctx, ...(endpoints[0] !== undefined ? { endpoint: endpoints[0] } : {}) },
      14,
      options,
    );
    this.name = "StoreUnavailableError";
    this.endpoints = endpoints;
    this.detail = detail;
  }
}

/**
 * A request did not complete in time.
 *
 * @example
 * ```ts
 * import { StoreTimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StoreTimeoutError("put", 100, { endpoint: "grpc://127.0.0.1:2379", key: "/a" });
 * assert.equal(e.message, 'Store request "put" timed out after 100 ms (key "/a" at grpc://127.0.0.1:2379)');
 * ```
 */
export class StoreTimeoutError extends KvStoreError {
  /** The operation, e.g. `put`. */
  readonly operation: string;
  /** The timeout that expired. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(
    operation: string,
    timeoutMs: number,
    ctx: StoreErrorContext = {},
    options?: ErrorOptions,
  ) {
    super(`Store request "${operation}" timed out after ${timeoutMs} ms`, ctx, 4, options);
    this.name = "StoreTimeoutError";
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A compare-and-swap lost: the key changed (or exists, or is missing) since it was read.
 * `actualRevision` is the key's current `mod_revision` (0 when it does not exist).
 *
 * @example
 * ```ts
 * import { CasConflictError } from "./errors.ts";
 * import { ConflictError } from "../../core/errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CasConflictError("/registry/pods/default/web", 5, 7);
 * assert.ok(e instanceof ConflictError);
 * assert.match(e.message, /expected revision 5, found revision 7/);
 * ```
 */
export class CasConflictError extends ConflictError {
  /** The key. */
  readonly key: string;
  /** The revision the writer expected (0 = absent). */
  readonly expectedRevision: number;
  /** The key's revision in the store (0 = absent). */
  readonly actualRevision: number;
  /** Creates the error. */
  constructor(
    key: string,
    expectedRevision: number,
    actualRevision: number,
    options?: ErrorOptions,
  ) {
    const expected = expectedRevision === 0 ? "no key" : `revision ${expectedRevision}`;
    const actual = actualRevision === 0 ? "no key" : `revision ${actualRevision}`;
    super(`Conflict on key "${key}": expected ${expected}, found ${actual}`, options);
    this.name = "CasConflictError";
    this.key = key;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }
}

/**
 * The lease does not exist (expired or revoked).
 *
 * @example
 * ```ts
 * import { LeaseNotFoundError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.match(new LeaseNotFoundError("7587").message, /Lease 7587 not found/);
 * ```
 */
export class LeaseNotFoundError extends KvStoreError {
  /** The lease id (decimal). */
  readonly leaseId: string;
  /** Creates the error. */
  constructor(leaseId: string, ctx: StoreErrorContext = {}, options?: ErrorOptions) {
    super(`Lease ${leaseId} not found (expired or revoked)`, ctx, 5, options);
    this.name = "LeaseNotFoundError";
    this.leaseId = leaseId;
  }
}

/**
 * The requested revision has been compacted away; list again and continue from there.
 *
 * @example
 * ```ts
 * import { CompactedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CompactedError(3, 10, { key: "/a" });
 * assert.equal(e.compactRevision, 10);
 * assert.match(e.message, /Revision 3 has been compacted/);
 * ```
 */
export class CompactedError extends KvStoreError {
  /** The revision that was asked for. */
  readonly revision: number;
  /** The store's compaction revision, 0 when the server did not say. */
  readonly compactRevision: number;
  /** Creates the error. */
  constructor(
    revision: number,
    compactRevision: number,
    ctx: StoreErrorContext = {},
    options?: ErrorOptions,
  ) {
    super(
      `Revision ${revision} has been compacted${
        compactRevision > 0 ? ` (compacted up to ${compactRevision})` : ""
      }`,
      ctx,
      11,
      options,
    );
    this.name = "CompactedError";
    this.revision = revision;
    this.compactRevision = compactRevision;
  }
}

/**
 * A value (or whole request) exceeds the store's request size limit
 * (etcd: `--max-request-bytes`, 1.5 MiB by default).
 *
 * @example
 * ```ts
 * import { ValueTooLargeError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new ValueTooLargeError("/big", 2_000_000);
 * assert.match(e.message, /Value of 2000000 bytes is too large for the store/);
 * ```
 */
export class ValueTooLargeError extends KvStoreError {
  /** Size of the value that was sent, in bytes. */
  readonly size: number;
  /** Creates the error. */
  constructor(key: string, size: number, ctx: StoreErrorContext = {}, options?: ErrorOptions) {
    super(`Value of ${size} bytes is too large for the store`, { ...ctx, key }, 3, options);
    this.name = "ValueTooLargeError";
    this.size = size;
  }
}

/**
 * A stored value or a server answer does not have the expected shape.
 *
 * @example
 * ```ts
 * import { StoreDataError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StoreDataError("metadata.name: expected a string", { key: "/registry/pods/a/b" });
 * assert.match(e.message, /^Invalid stored data: metadata.name/);
 * ```
 */
export class StoreDataError extends KvStoreError {
  /** Creates the error. */
  constructor(detail: string, ctx: StoreErrorContext = {}, options?: ErrorOptions) {
    super(`Invalid stored data: ${detail}`, ctx, 13, options);
    this.name = "StoreDataError";
  }
}

/**
 * An object with that name already exists (a `create` lost to an existing key).
 *
 * @example
 * ```ts
 * import { AlreadyExistsError } from "./errors.ts";
 * import { ConflictError } from "../../core/errors.ts";
 * import assert from "node:assert/strict";
 * const e = new AlreadyExistsError("pods", "default/web", 12);
 * assert.ok(e instanceof ConflictError);
 * assert.equal(e.message, 'Object pods "default/web" already exists (resourceVersion 12)');
 * ```
 */
export class AlreadyExistsError extends ConflictError {
  /** The resource, e.g. `pods`. */
  readonly resource: string;
  /** `namespace/name`, or `name` for cluster-scoped resources. */
  readonly id: string;
  /** The existing object's revision. */
  readonly actualRevision: number;
  /** Creates the error. */
  constructor(resource: string, id: string, actualRevision: number, options?: ErrorOptions) {
    super(
      `Object ${resource} "${id}" already exists (resourceVersion ${actualRevision})`,
      options,
    );
    this.name = "AlreadyExistsError";
    this.resource = resource;
    this.id = id;
    this.actualRevision = actualRevision;
  }
}

/**
 * An object given to the typed layer is not valid (bad name, missing field). `path` is the
 * field path, e.g. `metadata.name`.
 *
 * @example
 * ```ts
 * import { InvalidObjectError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new InvalidObjectError("metadata.name", 'must not contain "/", got "a/b"');
 * assert.equal(e.message, 'Invalid object: metadata.name: must not contain "/", got "a/b"');
 * ```
 */
export class InvalidObjectError extends RkError {
  /** Field path of the problem. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`Invalid object: ${path}: ${reason}`, options);
    this.name = "InvalidObjectError";
    this.path = path;
  }
}
