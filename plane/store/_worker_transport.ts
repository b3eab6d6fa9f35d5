/**
 * The gRPC transport with its unary calls in a worker thread (`StoreOptions.grpcWorker`): the
 * same {@linkcode GrpcTransport} runs in a `Worker` (`_grpc_worker.ts`), so the HTTP/2 framing,
 * socket writes and protobuf coding of every `Range`, `Put`, `Txn`, ... use the machine's other
 * cores instead of the thread that posts them. Watch streams stay on the owner's thread (in a
 * `GrpcTransport` of its own), so their events arrive without a hop. Messages go in batches, one
 * `postMessage` per event-loop turn each way. Errors come back with the classes and fields the
 * in-thread transport throws (`StoreUnavailableError`, `StoreTimeoutError`, `KvStoreError` with
 * the gRPC code); their cause keeps its text only.
 *
 * The worker starts on the first call and inherits the owner's permissions (`Worker` default);
 * {@linkcode WorkerGrpcTransport.close} lets calls in flight finish, then ends it. Until then the
 * worker keeps the process alive (a web `Worker` cannot be unreferenced).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { RkError } from "../../core/errors.ts";
import { GrpcTransport } from "./_grpc_transport.ts";
import type { CallOptions, Method, TlsOptions, Transport, WatchControl } from "./_transport.ts";
import type { Wire } from "./_wire.ts";
import { errorFromData, type ToOwner, type ToWorker } from "./_worker_messages.ts";

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Sends unary etcd calls through a worker thread and watches on this thread. */
export class WorkerGrpcTransport implements Transport {
  readonly endpoint: string;
  #tls: TlsOptions | undefined;
  #token: string | undefined;
  #worker: Worker | undefined;
  #watches: GrpcTransport | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #outbox: ToWorker[] = [];
  #closed = false;

  constructor(endpoint: string, tls?: TlsOptions) {
    // Validates the endpoint as the in-thread transport does, before any thread starts.
    this.#watches = new GrpcTransport(endpoint, tls);
    this.endpoint = endpoint;
    this.#tls = tls;
  }

  setToken(token: string | undefined): void {
    this.#token = token;
    this.#watches?.setToken(token);
    if (this.#worker) this.#post({ t: "token", token });
  }

  #post(m: ToWorker): void {
    if (this.#outbox.length === 0) setImmediate(() => this.#flush());
    this.#outbox.push(m);
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    try {
      this.#worker?.postMessage(batch);
    } catch (e) {
      // A request that cannot be cloned fails its own call (and those sent with it).
      for (const m of batch) {
        if (m.t !== "call") continue;
        this.#pending.get(m.id)?.reject(e);
        this.#pending.delete(m.id);
      }
    }
  }

  #start(): Worker {
    const w = new Worker(new URL("./_grpc_worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<ToOwner[]>) => {
      for (const m of e.data) {
        const p = this.#pending.get(m.id);
        if (!p) continue;
        this.#pending.delete(m.id);
        if (m.ok) p.resolve(m.res);
        else p.reject(errorFromData(m.error));
      }
      if (this.#closed && this.#pending.size === 0) this.#stop();
    };
    w.onerror = (e: ErrorEvent) => {
      // The worker failed (e.g. its module could not load): fail what waits, start afresh on
      // the next call.
      e.preventDefault();
      this.#fail(new RkError(`The store client's gRPC worker failed: ${e.message}`));
    };
    w.onmessageerror = () => {
      this.#fail(new RkError("The store client's gRPC worker sent an answer that cannot be read"));
    };
    this.#worker = w;
    this.#post({ t: "init", endpoint: this.endpoint, tls: this.#tls });
    if (this.#token !== undefined) this.#post({ t: "token", token: this.#token });
    return w;
  }

  /** Ends the worker and fails every call waiting for it. */
  #fail(err: Error): void {
    this.#stop();
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #stop(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#outbox = [];
  }

  call(method: Method, request: Wire, opts: CallOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(new RkError("The store client is closed"));
    if (!this.#worker) this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#post({
        t: "call",
        id,
        method,
        request,
        timeoutMs: opts.timeoutMs,
        operation: opts.operation,
      });
    });
  }

  watch(create: Wire, signal: AbortSignal, control?: WatchControl): AsyncIterable<unknown> {
    if (!this.#watches) throw new RkError("The store client is closed");
    return this.#watches.watch(create, signal, control);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watches?.close();
    this.#watches = undefined;
    if (!this.#worker) return;
    // Calls in flight finish first (the worker's answers end it: see #start).
    if (this.#pending.size === 0) this.#stop();
  }
}
