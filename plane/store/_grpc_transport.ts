/**
 * The gRPC transport (`grpc://` or `grpcs://` endpoints): etcd's `etcdserverpb` services over
 * HTTP/2 with `@grpc/grpc-js`, messages described by `etcd.proto` next to this file. This is
 * the only transport Xline serves.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";
import { fileURLToPath } from "node:url";
import { RkError } from "../../core/errors.ts";
import { KvStoreError, StoreTimeoutError, StoreUnavailableError } from "./errors.ts";
import { coalescingWrites } from "./_coalescing_writes.ts";
import { Inbox } from "./_inbox.ts";
import type { CallOptions, Method, TlsOptions, Transport, WatchControl } from "./_transport.ts";
import { record, type Wire } from "./_wire.ts";

type UnaryFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;
type DuplexFn = (
  md: grpc.Metadata,
  opts?: grpc.CallOptions,
) => grpc.ClientDuplexStream<unknown, unknown>;
type ServiceCtor = new (
  address: string,
  creds: grpc.ChannelCredentials,
  options: grpc.ClientOptions,
) => grpc.Client;

interface Services {
  KV: ServiceCtor;
  Watch: ServiceCtor;
  Lease: ServiceCtor;
  Auth: ServiceCtor;
}

type Grpc = typeof grpc;

/** Environment variables `@grpc/grpc-js` reads (Deno needs `--allow-env` for each). */
export const GRPC_ENV: readonly string[] = [
  "GRPC_NODE_VERBOSITY",
  "GRPC_VERBOSITY",
  "GRPC_NODE_TRACE",
  "GRPC_TRACE",
  "GRPC_SSL_CIPHER_SUITES",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "GRPC_NODE_USE_ALTERNATIVE_RESOLVER",
  "GRPC_NODE_DEBUG_SEND_ERROR_DETAILS",
  "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION",
  "grpc_proxy",
  "https_proxy",
  "http_proxy",
  "no_grpc_proxy",
  "no_proxy",
];
let loaded: Promise<{ grpc: Grpc; services: Services }> | undefined;

/**
 * Loads `@grpc/grpc-js` and `etcd.proto` once, on the first gRPC request: importing rk8s does
 * not load grpc-js (which reads `GRPC_*` and proxy environment variables when loaded).
 */
function load(): Promise<{ grpc: Grpc; services: Services }> {
  loaded ??= (async () => {
    try {
      const grpc = await import("@grpc/grpc-js");
      const protoLoader = await import("@grpc/proto-loader");
      return { grpc, services: loadServices(grpc, protoLoader) };
    } catch (e) {
      loaded = undefined;
      if (e instanceof Deno.errors.NotCapable) {
        throw new RkError(
          `The gRPC store client needs --allow-env=${GRPC_ENV.join(",")} (${e.message})`,
          { cause: e },
        );
      }
      throw e;
    }
  })();
  return loaded;
}

function loadServices(grpc: Grpc, protoLoader: typeof import("@grpc/proto-loader")): Services {
  const file = fileURLToPath(new URL("./etcd.proto", import.meta.url));
  const def = protoLoader.loadSync(file, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = record(grpc.loadPackageDefinition(def).etcdserverpb, "etcdserverpb");
  const ctor = (name: string): ServiceCtor => {
    const c = pkg[name];
    if (typeof c !== "function") throw new TypeError(`etcd.proto has no service ${name}`);
    return c as ServiceCtor;
  };
  return { KV: ctor("KV"), Watch: ctor("Watch"), Lease: ctor("Lease"), Auth: ctor("Auth") };
}

/** gRPC status codes used here (grpc-js is loaded lazily, so not from `grpc.status`). */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

const serviceOf: Record<Method, keyof Services> = {
  Range: "KV",
  Put: "KV",
  DeleteRange: "KV",
  Txn: "KV",
  Compact: "KV",
  LeaseGrant: "Lease",
  LeaseRevoke: "Lease",
  LeaseKeepAlive: "Lease",
  LeaseTimeToLive: "Lease",
  Authenticate: "Auth",
};

/** Channel options: quick reconnects (a restarted etcd is found in about a second). */
const channelOptions: grpc.ClientOptions = {
  "grpc.max_receive_message_length": 256 * 1024 * 1024,
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1_000,
};

/** Turns Uint8Array fields into Buffers (what protobufjs expects for `bytes`). */
function toProto(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(toProto);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toProto(x);
    return out;
  }
  return v;
}

/** Sends the etcd v3 API over gRPC. */
export class GrpcTransport implements Transport {
  readonly endpoint: string;
  #target: string;
  #host: string;
  #secure: boolean;
  #tls: TlsOptions | undefined;
  #creds: grpc.ChannelCredentials | undefined;
  #clients = new Map<keyof Services, grpc.Client>();
  #token: string | undefined;

  constructor(endpoint: string, tls?: TlsOptions) {
    const url = new URL(endpoint);
    if (url.protocol !== "grpc:" && url.protocol !== "grpcs:") {
      throw new TypeError(`Not a gRPC endpoint: "${endpoint}"`);
    }
    this.endpoint = endpoint;
    this.#host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.#target = `${url.hostname}:${url.port || "2379"}`;
    this.#secure = url.protocol === "grpcs:";
    this.#tls = tls;
  }

  setToken(token: string | undefined): void {
    this.#token = token;
  }

  async #client(name: keyof Services): Promise<{ grpc: Grpc; client: grpc.Client }> {
    const { grpc, services } = await load();
    let c = this.#clients.get(name);
    if (!c) {
      this.#creds ??= coalescingWrites(
        this.#secure
          ? grpc.credentials.createSsl(
            this.#tls?.caCert ? Buffer.from(this.#tls.caCert) : null,
            this.#tls?.key ? Buffer.from(this.#tls.key) : null,
            this.#tls?.cert ? Buffer.from(this.#tls.cert) : null,
            // The certificate is always checked against the endpoint's own host (IP or name).
            { checkServerIdentity: (_name, cert) => checkServerIdentity(this.#host, cert) },
          )
          : grpc.credentials.createInsecure(),
      );
      // Deno's TLS refuses an IP address as server name (SNI), which grpc-js would send for
      // IP endpoints: send a placeholder name instead; identity is verified just above.
      const options = this.#secure && isIP(this.#host)
        ? { ...channelOptions, "grpc.ssl_target_name_override": "etcd.invalid" }
        : channelOptions;
      c = new services[name](this.#target, this.#creds, options);
      this.#clients.set(name, c);
    }
    return { grpc, client: c };
  }

  #metadata(grpc: Grpc): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.#token) md.set("token", this.#token);
    return md;
  }

  #error(e: unknown, opts: { operation: string; timeoutMs: number }): Error {
    const err = e as Partial<grpc.ServiceError>;
    if (typeof err?.code !== "number") return e instanceof Error ? e : new Error(String(e));
    const detail = err.details || err.message || "unknown error";
    if (err.code === UNAVAILABLE) {
      return new StoreUnavailableError([this.endpoint], detail, {}, { cause: e });
    }
    if (err.code === DEADLINE_EXCEEDED) {
      return new StoreTimeoutError(opts.operation, opts.timeoutMs, { endpoint: this.endpoint }, {
        cause: e,
      });
    }
    return new KvStoreError(detail, { endpoint: this.endpoint }, err.code, { cause: e });
  }

  async call(method: Method, request: Wire, opts: CallOptions): Promise<unknown> {
    const { grpc, client } = await this.#client(serviceOf[method]);
    const deadline = new Date(Date.now() + opts.timeoutMs);
    const md = this.#metadata(grpc);
    if (method === "LeaseKeepAlive") {
      return this.#keepAliveOnce(client, md, request, deadline, opts);
    }
    const fn = (client as unknown as Record<string, UnaryFn>)[method]!;
    return await new Promise((resolve, reject) => {
      fn.call(client, toProto(request), md, { deadline }, (err, res) => {
        if (err) reject(this.#error(err, opts));
        else resolve(res);
      });
    });
  }

  /** One keep-alive round trip on a short-lived `LeaseKeepAlive` stream. */
  #keepAliveOnce(
    client: grpc.Client,
    md: grpc.Metadata,
    request: Wire,
    deadline: Date,
    opts: CallOptions,
  ): Promise<unknown> {
    const fn = (client as unknown as Record<string, DuplexFn>).LeaseKeepAlive!;
    return new Promise((resolve, reject) => {
      const stream = fn.call(client, md, { deadline });
      let settled = false;
      stream.on("data", (res: unknown) => {
        if (settled) return;
        settled = true;
        resolve(res);
        stream.cancel();
      });
      stream.on("error", (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(this.#error(err, opts));
      });
      stream.on("end", () => {
        if (settled) return;
        settled = true;
        reject(
          new KvStoreError("Lease keep-alive stream ended without an answer", {
            endpoint: this.endpoint,
          }),
        );
      });
      stream.write(toProto(request));
    });
  }

  async *watch(
    create: Wire,
    signal: AbortSignal,
    control?: WatchControl,
  ): AsyncIterable<unknown> {
    if (signal.aborted) return;
    const { grpc, client } = await this.#client("Watch");
    if (signal.aborted) return;
    const fn = (client as unknown as Record<string, DuplexFn>).Watch!;
    const stream = fn.call(client, this.#metadata(grpc));
    // Past 1,024 unread answers the stream is paused, so a slow reader holds etcd back (which
    // keeps the watcher's backlog, or cancels it with a compaction the watch turns into a
    // re-list) instead of buffering without bound here. Pausing and resuming a grpc-js stream
    // on Deno's node:http2 works (grpc_transport_test's slow reader; grpc-js itself pauses the
    // HTTP/2 stream between messages); the watch that "stalled for good" in that test was a
    // race in the test (a watch without a start revision created after the put it waited for).
    const inbox = new Inbox<unknown>({
      high: 1024,
      pause: () => stream.pause(),
      resume: () => stream.resume(),
    });
    const onAbort = () => stream.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (res: unknown) => inbox.push(res));
    stream.on("error", (err: unknown) => {
      if (signal.aborted) inbox.end();
      else inbox.fail(this.#error(err, { operation: "watch", timeoutMs: 0 }));
    });
    stream.on("end", () => inbox.end());
    stream.write(toProto({ create_request: create }));
    let open = true;
    if (control) {
      control.requestProgress = () => {
        if (open && !signal.aborted) stream.write(toProto({ progress_request: {} }));
      };
    }
    try {
      yield* inbox.drain();
    } finally {
      open = false;
      if (control) delete control.requestProgress;
      signal.removeEventListener("abort", onAbort);
      stream.cancel();
    }
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }
}
