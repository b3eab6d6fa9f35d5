/**
 * `connectCluster`: the node side of the node protocol. Discovers the cluster CA on rks's
 * discovery port and trusts it only when its SubjectPublicKeyInfo matches the
 * `--ca-cert-hash` pin (kubeadm's token discovery); connects over QUIC (`Deno.connectQuic`)
 * verifying rks's certificate against that CA; joins with the bootstrap token when it has no
 * credential yet (the credential is then written under the node's root, mode 0600) and says
 * hello with the credential. The returned session opens one stream per request and one per
 * watch.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { RkError } from "../../core/errors.ts";
import { readTextIfExists } from "../../core/fs.ts";
import { isRecord } from "../../core/is_record.ts";
import {
  caCertHash,
  type EventMessage,
  MessageReader,
  type NodeMessage,
  type OpenMessage,
  type RequestVerb,
  writeMessage,
} from "../node_protocol/mod.ts";
import { NODE_ALPN, NODE_QUIC_TRANSPORT } from "../node_gateway/node_gateway.ts";

/** A refusal by rks or a failed pin: retrying with the same input will not help. */
export class ClusterAuthError extends RkError {
  /** The reason word (`Unauthorized`, `CAHashMismatch`, …). */
  readonly reason: string;
  /** Creates the error. */
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClusterAuthError";
    this.reason = reason;
  }
}

/** How to reach and authenticate to rks. */
export interface ClusterConnectOptions {
  /** rks's node address, `HOST:PORT`. */
  address: string;
  /** `sha256:<hex>` pin of the cluster CA. */
  caCertHash: string;
  /** Bootstrap token, needed only when no credential is stored yet. */
  token?: string;
  /** Node name. */
  nodeName: string;
  /** Directory for `credential.json` (0600) and `ca.crt`. */
  stateDir: string;
  /** rk8s version to report. */
  agentVersion: string;
  /** Log sink. */
  log?: (line: string) => void;
}

/** An API answer relayed by rks. */
export interface SessionResponse {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: unknown;
}

/** An authenticated connection to rks. */
export interface ClusterSession {
  /** The node name rks authenticated. */
  readonly nodeName: string;
  /** Resolves when the connection closes. */
  readonly closed: Promise<void>;
  /** One API call on its own stream. */
  request(
    verb: RequestVerb,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<SessionResponse>;
  /** A watch on its own long-lived stream; ends when rks ends it or `signal` aborts. */
  watch(
    path: string,
    resourceVersion: string | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<EventMessage>;
  /**
   * The streams rks opens towards the node (logs, exec), each announced by an `open` message;
   * a stream starting with anything else is answered with an `error` and closed.
   */
  incoming(): AsyncGenerator<IncomingStream>;
  /** Closes the connection. */
  close(): void;
}

/** A stream rks opened towards the node. */
export interface IncomingStream {
  /** What rks asked for. */
  open: OpenMessage;
  /** The rest of the stream from rks (`data`, `resize`). */
  reader: MessageReader;
  /** The node's side (`data`, `exit`, `error`). */
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

/** Splits `HOST:PORT` (IPv6 in brackets). */
export function splitAddress(address: string): { hostname: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RkError(`Invalid cluster address "${address}": expected HOST:PORT`);
  }
  return { hostname: m[1]!, port };
}

async function discoverCa(hostname: string, port: number): Promise<string> {
  const conn = await Deno.connect({ hostname, port, transport: "tcp" });
  try {
    const r = new MessageReader(conn.readable, 1024 * 1024);
    const m = await r.next();
    if (m?.type !== "clusterInfo") {
      throw new RkError(`rks's discovery port ${hostname}:${port} sent no cluster info`);
    }
    return m.caCert;
  } finally {
    try {
      conn.close();
    } catch { /* already closed by the reader */ }
  }
}

async function trustedCa(o: ClusterConnectOptions, hostname: string, port: number) {
  const file = join(o.stateDir, "ca.crt");
  const cached = await readTextIfExists(file);
  if (cached !== undefined && await caCertHash(cached) === o.caCertHash) return cached;
  const ca = await discoverCa(hostname, port);
  const got = await caCertHash(ca);
  if (got !== o.caCertHash) {
    throw new ClusterAuthError(
      "CAHashMismatch",
      `The cluster CA at ${hostname}:${port} has the public key hash ${got}, not the expected ${o.caCertHash}; refusing to join`,
    );
  }
  await Deno.mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(file, ca);
  return ca;
}

interface StoredCredential {
  nodeName: string;
  credential: string;
}

async function readCredential(stateDir: string): Promise<StoredCredential | undefined> {
  const text = await readTextIfExists(join(stateDir, "credential.json"));
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.nodeName !== "string" || typeof v.credential !== "string") {
    return undefined;
  }
  return { nodeName: v.nodeName, credential: v.credential };
}

/** Path of the stored credential under `stateDir`. */
export function credentialPath(stateDir: string): string {
  return join(stateDir, "credential.json");
}

/**
 * Connects and authenticates. Throws {@linkcode ClusterAuthError} when the CA does not match
 * the pin or rks refuses the token or credential, another `Error` when rks is unreachable.
 */
export async function connectCluster(o: ClusterConnectOptions): Promise<ClusterSession> {
  const { hostname, port } = splitAddress(o.address);
  const ca = await trustedCa(o, hostname, port);
  const conn = await Deno.connectQuic({
    hostname,
    port,
    caCerts: [ca],
    alpnProtocols: [NODE_ALPN],
    ...NODE_QUIC_TRANSPORT,
  });
  try {
    const control = await conn.createBidirectionalStream();
    const w = control.writable.getWriter();
    const r = new MessageReader(control.readable);
    const refused = (m: NodeMessage | undefined, what: string) => {
      const text = m?.type === "error" ? m.message : `unexpected ${m?.type ?? "end of stream"}`;
      return new ClusterAuthError(
        m?.type === "error" ? m.reason : "Protocol",
        `rks refused ${what}: ${text}`,
      );
    };
    let stored = await readCredential(o.stateDir);
    if (stored?.nodeName !== o.nodeName) stored = undefined;
    if (!stored) {
      if (!o.token) {
        throw new ClusterAuthError(
          "NoCredential",
          `Node "${o.nodeName}" has no credential in ${o.stateDir} and no --token to join with`,
        );
      }
      await writeMessage(w, { type: "join", token: o.token, nodeName: o.nodeName });
      const m = await r.next();
      if (m?.type !== "joined") throw refused(m, "the join");
      stored = { nodeName: m.nodeName, credential: m.credential };
      const file = credentialPath(o.stateDir);
      await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(file, JSON.stringify(stored) + "\n", { mode: 0o600 });
      await Deno.chmod(file, 0o600);
      o.log?.(`node agent: joined the cluster at ${o.address}; credential in ${file}`);
    }
    await writeMessage(w, {
      type: "hello",
      nodeName: o.nodeName,
      credential: stored.credential,
      agentVersion: o.agentVersion,
    });
    const m = await r.next();
    if (m?.type !== "welcome") throw refused(m, `the credential of node "${o.nodeName}"`);
    // The control stream stays open for the life of the connection: rks takes its end as the
    // node leaving. Holding it here also keeps it from being garbage-collected (and closed).
    return session(conn, o.nodeName, { writer: w, reader: r });
  } catch (e) {
    if (!(e instanceof RkError)) {
      // A refusal may arrive only as the connection's close reason.
      const info = await Promise.race([
        conn.closed.catch(() => undefined),
        new Promise<undefined>((r) => setTimeout(r, 100, undefined)),
      ]);
      if (info && info.closeCode !== 0) {
        throw new ClusterAuthError(
          info.reason.split(":")[0] || "Refused",
          `rks closed the connection: ${info.reason}`,
          { cause: e },
        );
      }
    }
    try {
      conn.close();
    } catch { /* closed */ }
    throw e;
  }
}

function session(
  conn: Deno.QuicConn,
  nodeName: string,
  control: { writer: WritableStreamDefaultWriter<Uint8Array>; reader: MessageReader },
): ClusterSession {
  const closed = conn.closed.then(() => {}, () => {});
  return {
    nodeName,
    closed,
    async request(verb, path, body, contentType) {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await writeMessage(w, {
        type: "request",
        verb,
        path,
        ...(body === undefined ? {} : { body }),
        ...(contentType ? { contentType } : {}),
      });
      await w.close();
      const r = new MessageReader(s.readable);
      const m = await r.next();
      await r.cancel();
      if (m?.type === "response") return { status: m.status, body: m.body };
      if (m?.type === "error") throw new ClusterAuthError(m.reason, `rks: ${m.message}`);
      throw new RkError(`rks answered a request with ${m?.type ?? "nothing"}`);
    },
    async *watch(path, resourceVersion, signal) {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await writeMessage(w, {
        type: "watch",
        path,
        ...(resourceVersion ? { resourceVersion } : {}),
      });
      const r = new MessageReader(s.readable);
      const stop = () => void w.close().catch(() => {});
      signal.addEventListener("abort", stop, { once: true });
      try {
        for (let m = await r.next(); m !== undefined && !signal.aborted; m = await r.next()) {
          if (m.type === "event") yield m;
          else if (m.type === "error") throw new ClusterAuthError(m.reason, `rks: ${m.message}`);
        }
      } finally {
        signal.removeEventListener("abort", stop);
        await r.cancel();
      }
    },
    async *incoming() {
      for await (const stream of conn.incomingBidirectionalStreams) {
        const reader = new MessageReader(stream.readable);
        const writer = stream.writable.getWriter();
        let first: NodeMessage | undefined;
        try {
          first = await reader.next();
        } catch (e) {
          first = undefined;
          await writeMessage(writer, {
            type: "error",
            reason: "BadRequest",
            message: e instanceof Error ? e.message : String(e),
          }).catch(() => {});
        }
        if (first?.type === "open") {
          yield { open: first, reader, writer };
          continue;
        }
        if (first !== undefined) {
          await writeMessage(writer, {
            type: "error",
            reason: "BadRequest",
            message: `a stream from rks must start with open, not ${first.type}`,
          }).catch(() => {});
        }
        await writer.close().catch(() => {});
        await reader.cancel();
      }
    },
    close() {
      void control.writer.close().catch(() => {});
      void control.reader.cancel();
      try {
        conn.close({ closeCode: 0, reason: "node agent stopping" });
      } catch { /* closed */ }
    },
  };
}
