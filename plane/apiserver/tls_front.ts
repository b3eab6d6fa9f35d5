/**
 * `startTlsFront`: the HTTPS listener of the API server. It terminates TLS on sockets with
 * `TCP_NODELAY` set and passes the bytes through to the plain HTTP server on a loopback port.
 *
 * Why: `Deno.serve` with `cert`/`key` leaves Nagle's algorithm on for its accepted sockets and
 * writes a response's head and body as two TLS records. The second record then waits for the
 * client's delayed ACK of the first, which takes about 40 ms on Linux. So every answer of more
 * than about 1 KiB took 40 ms or more, whatever the client: measured with kubectl's Go client,
 * curl and `fetch`. Watch events written while an earlier one is unacknowledged waited too.
 * `Deno.serve` has no option for `TCP_NODELAY`, and a `Deno.TlsConn` has no `setNoDelay`. A
 * `node:tls` server does: its sockets are `node:net` sockets.
 *
 * The inner server listens on a loopback TCP port, not on a Unix socket: Deno's permissions
 * name a Unix socket only by its exact path (`--allow-net=unix:/path`), and every rks instance
 * would need its own. Plain HTTP over loopback does not stall either: hyper writes a plain
 * response's head and body with one vectored write. The port takes plain HTTP from local
 * processes only, and every request still needs the bearer token.
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";

/** Options of {@linkcode startTlsFront}. */
export interface TlsFrontOptions {
  /** Listen address. */
  hostname: string;
  /** Listen port (0 = a free one). */
  port: number;
  /** Serving certificate chain (PEM). */
  cert: string;
  /** Serving key (PEM). */
  key: string;
  /** Loopback port of the plain HTTP server (on `127.0.0.1`). */
  upstreamPort: number;
}

/** A running TLS front. */
export interface TlsFront {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Listens for TLS on `hostname:port` and joins each connection to a new connection to
 * `127.0.0.1:upstreamPort`, byte for byte in both directions, both with `TCP_NODELAY`. ALPN
 * offers `h2` and `http/1.1`; `Deno.serve` speaks both on a plain port (HTTP/2 with prior
 * knowledge). Closing either side closes the other. Rejects when the address cannot be bound
 * (for example `EADDRINUSE`).
 *
 * @example
 * ```ts ignore
 * import { startTlsFront } from "./tls_front.ts";
 * const inner = Deno.serve({ hostname: "127.0.0.1", port: 0 }, () => new Response("ok"));
 * const front = await startTlsFront({ hostname: "127.0.0.1", port: 0, cert, key, upstreamPort: inner.addr.port });
 * await front.close();
 * await inner.shutdown();
 * ```
 */
export async function startTlsFront(opts: TlsFrontOptions): Promise<TlsFront> {
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.once("close", () => open.delete(s));
  };
  const server = tls.createServer({
    cert: opts.cert,
    key: opts.key,
    ALPNProtocols: ["h2", "http/1.1"],
  }, (client) => {
    track(client);
    const up = net.connect({ host: "127.0.0.1", port: opts.upstreamPort });
    up.setNoDelay(true);
    track(up);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", end);
    up.on("error", end);
    client.on("close", end);
    up.on("close", end);
    client.pipe(up);
    up.pipe(client);
  });
  server.on("connection", (s: net.Socket) => {
    s.setNoDelay(true);
    track(s);
  });
  // A client that fails the handshake (plain HTTP on the TLS port, a bad certificate) only
  // loses its own connection.
  server.on("tlsClientError", (_e: Error, s: tls.TLSSocket) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      });
      return closed;
    },
  };
}
