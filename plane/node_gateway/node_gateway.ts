/**
 * `startNodeGateway`: rks's endpoint for node agents. QUIC on UDP `HOST:PORT`
 * (`Deno.QuicEndpoint`, TLS with the serving certificate of the cluster CA, ALPN
 * {@linkcode NODE_ALPN}) and, on TCP at the same number, the discovery port that hands out the
 * CA certificate (kubeadm's `cluster-info`; the node trusts it only if it matches its pin).
 *
 * Per connection: the first bidirectional stream is the control stream (`join` → `joined`,
 * `hello` → `welcome`, within {@linkcode NodeGatewayOptions.helloTimeoutMs}); then the node opens
 * one stream per `request` and one per `watch`, each authorised for that node only
 * (`./node_authorizer.ts`) and relayed to the API server; the credential is checked again on
 * every stream so a revocation takes effect at once. Refusals and malformed frames are logged,
 * answered with an `error` message where possible, and close only that connection.
 *
 * @module
 */
import {
  checkBootstrapToken,
  encodeFrame,
  MessageReader,
  type NodeMessage,
  parseBootstrapToken,
  writeMessage,
} from "../node_protocol/mod.ts";
import { isRecord } from "../../core/is_record.ts";
import type { ApiRelay } from "./api_relay.ts";
import {
  authorizeNodeRequest,
  objectRefToCheck,
  podBindingToCheck,
  referencedByPods,
} from "./node_authorizer.ts";
import { issueNodeCredential, NodeCredentialCache } from "./node_credentials.ts";

/** The ALPN protocol id nodes and rks speak over QUIC. */
export const NODE_ALPN = "rk8s-node/1";

/**
 * QUIC transport settings of both ends of a node connection, in milliseconds (`Deno`'s
 * `QuicTransportOptions`). A peer that vanished without closing (rks or a node killed with
 * SIGKILL: a new process cannot send a stateless reset for the old connection) is noticed after
 * `maxIdleTimeout` (RFC 9000 §10.1; the effective value is the smaller of both ends'), instead of
 * quinn's default 30 s, so a restarted rks has its nodes back well within the node monitor's
 * 40 s grace period (the kubelet's TCP connection gets an RST at once). `keepAliveInterval` sends
 * a PING on an idle connection, so a healthy one never reaches that timeout (RFC 9000 §10.1.2).
 */
export const NODE_QUIC_TRANSPORT: Readonly<Deno.QuicTransportOptions> = {
  keepAliveInterval: 2_500,
  maxIdleTimeout: 10_000,
};

/** QUIC application close codes (RFC 9000 §20.2 leaves them to the application). */
export const CLOSE_CODES = {
  /** Normal shutdown. */
  normal: 0,
  /** Authentication failed or was missing. */
  unauthorized: 1,
  /** Malformed frame or message. */
  protocol: 2,
} as const;

/** Settings of {@linkcode startNodeGateway}. */
export interface NodeGatewayOptions {
  /** UDP (and discovery TCP) listen address. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** CA certificate (PEM), served on the discovery port. */
  caCert: string;
  /** Serving certificate (PEM), signed by the CA. */
  cert: string;
  /** Serving key (PKCS#8 PEM). */
  key: string;
  /** The API server, called on the nodes' behalf (closed with the gateway). */
  api: ApiRelay;
  /** Log sink (one line per call). */
  log: (line: string) => void;
  /** How long a new connection may take to authenticate, ms (default 10 000). */
  helloTimeoutMs?: number;
  /** Largest frame accepted, bytes (default `MAX_FRAME_BYTES`). */
  maxFrameBytes?: number;
}

/** A running gateway. */
export interface NodeGateway extends AsyncDisposable {
  /** The bound port (UDP for QUIC, TCP for discovery). */
  readonly port: number;
  /** Names of the nodes connected and authenticated now. */
  connectedNodes(): string[];
  /**
   * Opens a bidirectional stream to `node` (for logs and exec) and sends `first` on it. Throws
   * `Error` when the node is not connected.
   */
  openStream(node: string, first: NodeMessage): Promise<Deno.QuicBidirectionalStream>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Starts the gateway. Throws `Deno.errors.AddrInUse` when the port is taken.
 *
 * @example
 * ```ts ignore
 * const gw = await startNodeGateway({ hostname: "127.0.0.1", port: 50051, caCert, cert, key, api, log: console.error });
 * ```
 */
export function startNodeGateway(o: NodeGatewayOptions): Promise<NodeGateway> {
  const endpoint = new Deno.QuicEndpoint({ hostname: o.hostname, port: o.port });
  const port = endpoint.addr.port;
  let tcp: Deno.TcpListener;
  try {
    tcp = Deno.listen({ hostname: o.hostname, port, transport: "tcp" });
  } catch (e) {
    endpoint.close();
    throw e;
  }
  const listener = endpoint.listen({
    cert: o.cert,
    key: o.key,
    alpnProtocols: [NODE_ALPN],
    ...NODE_QUIC_TRANSPORT,
  });
  const nodes = new Map<string, Deno.QuicConn>();
  const open = new Set<Deno.QuicConn>();
  const tasks = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    tasks.add(p);
    p.finally(() => tasks.delete(p));
  };
  const credentials = new NodeCredentialCache(o.api, o.log);
  credentials.start();
  const helloTimeout = o.helloTimeoutMs ?? 10_000;
  const maxBytes = o.maxFrameBytes;
  const reader = (s: ReadableStream<Uint8Array>) => new MessageReader(s, maxBytes);

  const discovery = encodeFrame({ type: "clusterInfo", caCert: o.caCert });
  track(
    (async () => {
      for await (const c of tcp) {
        track((async () => {
          try {
            await c.write(discovery);
          } catch (e) {
            o.log(
              `node-gateway: discovery answer to ${addr(c.remoteAddr)} failed: ${errorText(e)}`,
            );
          } finally {
            c.close();
          }
        })());
      }
    })().catch(() => {}),
  );

  const refuse = async (
    conn: Deno.QuicConn,
    w: WritableStreamDefaultWriter<Uint8Array>,
    reason: string,
    message: string,
    code: number,
  ) => {
    o.log(`node-gateway: refused ${addr(conn.remoteAddr)}: ${message}`);
    await writeMessage(w, { type: "error", reason, message }).catch(() => {});
    await w.close().catch(() => {});
    // Closing the connection at once would drop the error message still in flight; give the
    // node a moment to read it and leave, then close (its close reason says the same).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      conn.closed.catch(() => {}),
      new Promise((r) => timer = setTimeout(r, 2000)),
    ]).finally(() => clearTimeout(timer));
    try {
      conn.close({ closeCode: code, reason: `${reason}: ${message}`.slice(0, 200) });
    } catch { /* already closed */ }
  };

  const authenticate = async (conn: Deno.QuicConn): Promise<string | undefined> => {
    const streams = conn.incomingBidirectionalStreams.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await Promise.race([
      streams.read(),
      new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), helloTimeout)),
    ]).finally(() => clearTimeout(timer));
    streams.releaseLock();
    if (!first || first.done) {
      o.log(`node-gateway: ${addr(conn.remoteAddr)} opened no control stream; closing`);
      conn.close({ closeCode: CLOSE_CODES.unauthorized, reason: "no hello" });
      return undefined;
    }
    const control = first.value;
    const r = reader(control.readable);
    const w = control.writable.getWriter();
    let msg: NodeMessage | undefined;
    try {
      msg = await r.next();
      if (msg?.type === "join") {
        let why: string | undefined;
        let token;
        try {
          token = parseBootstrapToken(msg.token);
        } catch (e) {
          why = errorText(e);
        }
        if (token) {
          const s = await o.api.call(
            "GET",
            `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${token.id}`,
          );
          why = s.status === 404
            ? `bootstrap token "${token.id}" is unknown`
            : s.status !== 200 || !isRecord(s.body)
            ? `cannot read bootstrap token "${token.id}" (HTTP ${s.status})`
            : checkBootstrapToken(s.body, token, new Date());
        }
        if (why !== undefined || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(msg.nodeName)) {
          await refuse(
            conn,
            w,
            "Unauthorized",
            `join as "${msg.nodeName}": ${why ?? "invalid node name"}`,
            CLOSE_CODES.unauthorized,
          );
          return undefined;
        }
        const credential = await issueNodeCredential(o.api, msg.nodeName);
        o.log(`node-gateway: node "${msg.nodeName}" joined with bootstrap token "${token!.id}"`);
        await writeMessage(w, { type: "joined", nodeName: msg.nodeName, credential });
        msg = await r.next();
      }
      if (msg?.type !== "hello") {
        await refuse(
          conn,
          w,
          "BadRequest",
          `expected a hello or join message first, got ${msg ? msg.type : "end of stream"}`,
          CLOSE_CODES.protocol,
        );
        return undefined;
      }
      const why = await credentials.check(msg.nodeName, msg.credential);
      if (why !== undefined) {
        await refuse(
          conn,
          w,
          "Unauthorized",
          `hello as "${msg.nodeName}": ${why}`,
          CLOSE_CODES.unauthorized,
        );
        return undefined;
      }
      await writeMessage(w, { type: "welcome", nodeName: msg.nodeName });
      const node = msg.nodeName;
      const credential = msg.credential;
      // The control stream stays open; its end means the node left.
      track((async () => {
        try {
          while (await r.next() !== undefined) { /* no control messages after hello yet */ }
        } catch (e) {
          o.log(`node-gateway: node "${node}": control stream: ${errorText(e)}`);
        }
        conn.close({ closeCode: CLOSE_CODES.normal, reason: "control stream ended" });
      })());
      serveStreams(conn, node, credential);
      return node;
    } catch (e) {
      await refuse(conn, w, "BadRequest", errorText(e), CLOSE_CODES.protocol);
      return undefined;
    }
  };

  const serveStreams = (conn: Deno.QuicConn, node: string, credential: string) => {
    track((async () => {
      try {
        for await (const stream of conn.incomingBidirectionalStreams) {
          track(serveStream(conn, node, credential, stream));
        }
      } catch { /* the connection closed */ }
    })());
  };

  /** NodeRestriction: a node touches one pod only when the pod is bound to it. */
  const notBoundHere = async (
    node: string,
    verb: string,
    path: string,
  ): Promise<string | undefined> => {
    const pod = podBindingToCheck(verb, path);
    if (!pod) return undefined;
    const r = await o.api.call("GET", `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`);
    if (r.status === 404) return undefined; // the API server answers 404 itself
    const spec = isRecord(r.body) && isRecord(r.body.spec) ? r.body.spec : {};
    return spec.nodeName === node
      ? undefined
      : `node "${node}" cannot ${verb} pod ${pod.namespace}/${pod.name}: it is not bound to this node`;
  };

  /** The Node authorizer's graph: a node reads only the ConfigMaps, Secrets, tokens its pods use. */
  const notReferencedHere = async (
    node: string,
    verb: string,
    path: string,
    body: unknown,
  ): Promise<string | undefined> => {
    const ref = objectRefToCheck(verb, path, body);
    if (!ref) return undefined;
    const r = await o.api.call(
      "GET",
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
    );
    if (r.status !== 200 || !isRecord(r.body)) {
      return `node "${node}": cannot check the pods bound to it: HTTP ${r.status}`;
    }
    return referencedByPods(node, ref, Array.isArray(r.body.items) ? r.body.items : []);
  };

  const serveStream = async (
    conn: Deno.QuicConn,
    node: string,
    credential: string,
    stream: Deno.QuicBidirectionalStream,
  ): Promise<void> => {
    const r = reader(stream.readable);
    const w = stream.writable.getWriter();
    const ac = new AbortController();
    try {
      const m = await r.next();
      if (m === undefined) return;
      const why = await credentials.check(node, credential);
      if (why !== undefined) {
        await refuse(conn, w, "Unauthorized", why, CLOSE_CODES.unauthorized);
        return;
      }
      if (m.type === "request") {
        const forbidden = authorizeNodeRequest(node, m.verb, m.path, m.body) ??
          await notBoundHere(node, m.verb, m.path) ??
          await notReferencedHere(node, m.verb, m.path, m.body);
        if (forbidden) {
          o.log(`node-gateway: forbidden: ${forbidden}`);
          await writeMessage(w, {
            type: "response",
            status: 403,
            body: {
              kind: "Status",
              apiVersion: "v1",
              status: "Failure",
              code: 403,
              reason: "Forbidden",
              message: forbidden,
            },
          });
        } else {
          const res = await o.api.call(m.verb, m.path, m.body, m.contentType);
          await writeMessage(w, { type: "response", status: res.status, body: res.body });
        }
      } else if (m.type === "watch") {
        const forbidden = authorizeNodeRequest(node, "GET", m.path, undefined) ??
          await notReferencedHere(node, "GET", m.path, undefined);
        if (forbidden) {
          o.log(`node-gateway: forbidden: ${forbidden}`);
          await writeMessage(w, {
            type: "event",
            eventType: "ERROR",
            object: {
              kind: "Status",
              apiVersion: "v1",
              status: "Failure",
              code: 403,
              reason: "Forbidden",
              message: forbidden,
            },
          });
        } else {
          // The node ending its side (or the connection) stops the watch.
          r.next().then(() => ac.abort(), () => ac.abort());
          const sep = m.path.includes("?") ? "&" : "?";
          const path = m.resourceVersion
            ? `${m.path}${sep}resourceVersion=${encodeURIComponent(m.resourceVersion)}`
            : m.path;
          for await (const ev of o.api.watch(path, ac.signal)) {
            const t = ev.type;
            if (
              (t === "ADDED" || t === "MODIFIED" || t === "DELETED" || t === "BOOKMARK" ||
                t === "ERROR") && isRecord(ev.object)
            ) {
              await writeMessage(w, { type: "event", eventType: t, object: ev.object });
            }
          }
        }
      } else {
        await writeMessage(w, {
          type: "error",
          reason: "BadRequest",
          message: `a node stream cannot start with a ${m.type} message`,
        });
      }
      await w.close().catch(() => {});
    } catch (e) {
      o.log(`node-gateway: node "${node}": stream: ${errorText(e)}`);
      await writeMessage(w, { type: "error", reason: "BadRequest", message: errorText(e) }).catch(
        () => {},
      );
      await w.close().catch(() => {});
    } finally {
      ac.abort();
      await r.cancel();
    }
  };

  track(
    (async () => {
      for await (const incoming of listener) {
        track((async () => {
          let conn: Deno.QuicConn;
          try {
            conn = await incoming.accept();
          } catch (e) {
            o.log(`node-gateway: handshake failed: ${errorText(e)}`);
            return;
          }
          open.add(conn);
          let node: string | undefined;
          try {
            node = await authenticate(conn);
            if (node !== undefined) {
              nodes.get(node)?.close({ closeCode: CLOSE_CODES.normal, reason: "replaced" });
              nodes.set(node, conn);
              o.log(`node-gateway: node "${node}" connected from ${addr(conn.remoteAddr)}`);
            }
            await conn.closed.catch(() => {});
          } catch (e) {
            o.log(`node-gateway: connection from ${addr(conn.remoteAddr)}: ${errorText(e)}`);
          } finally {
            open.delete(conn);
            if (node !== undefined && nodes.get(node) === conn) {
              nodes.delete(node);
              o.log(`node-gateway: node "${node}" disconnected`);
            }
          }
        })());
      }
    })().catch(() => {}),
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      tcp.close();
      for (const c of open) c.close({ closeCode: CLOSE_CODES.normal, reason: "rks stopping" });
      listener.stop();
      endpoint.close();
      await Promise.allSettled([...tasks]);
      await credentials.close();
      o.api.close();
    })();
    return closing;
  };
  return Promise.resolve({
    port,
    connectedNodes: () => [...nodes.keys()],
    async openStream(node, first) {
      const conn = nodes.get(node);
      if (!conn) throw new Error(`Node "${node}" is not connected to rks`);
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await writeMessage(w, first);
      w.releaseLock();
      return s;
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}

function addr(a: Deno.Addr): string {
  return "hostname" in a ? `${a.hostname}:${a.port}` : String(a.transport);
}
