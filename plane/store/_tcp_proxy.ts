/**
 * A loopback TCP proxy for tests: forwards connections to a target port and can cut every
 * open connection (or refuse new ones for a while), to simulate a dropped network path.
 *
 * @module
 */

/** A running proxy; see {@linkcode startTcpProxy}. */
export interface TcpProxy extends AsyncDisposable {
  /** The proxy's port. */
  readonly port: number;
  /** Connections accepted and forwarded so far. */
  readonly accepted: number;
  /** Closes every open connection (both sides). New connections are still accepted. */
  cut(): void;
  /** While paused, new connections are closed right after accept (the path is "down"). */
  pause(): void;
  /** Accepts and forwards connections again. */
  resume(): void;
  /**
   * Turns the proxy into a black hole: open and new connections stay open but no byte goes
   * through in either direction (a path that died without closing anything).
   */
  freeze(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

async function pipe(from: Deno.Conn, to: Deno.Conn, frozen: () => boolean): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    let n: number | null;
    try {
      n = await from.read(buf);
    } catch (e) {
      if (
        e instanceof Deno.errors.BadResource || e instanceof Deno.errors.ConnectionReset ||
        e instanceof Deno.errors.Interrupted
      ) return;
      throw e;
    }
    if (n === null) return;
    if (frozen()) continue; // dropped
    let off = 0;
    while (off < n) {
      try {
        off += await to.write(buf.subarray(off, n));
      } catch (e) {
        if (
          e instanceof Deno.errors.BadResource || e instanceof Deno.errors.BrokenPipe ||
          e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.Interrupted
        ) return;
        throw e;
      }
    }
  }
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch (e) {
    // Already closed by the other direction's pump.
    if (!(e instanceof Deno.errors.BadResource)) throw e;
  }
}

/**
 * Starts a proxy on a free port of `hostname` (default 127.0.0.1) that forwards to
 * `127.0.0.1:targetPort`.
 *
 * @example
 * ```ts ignore
 * import { startTcpProxy } from "./_tcp_proxy.ts";
 * await using proxy = await startTcpProxy(2379);
 * proxy.cut();
 * ```
 */
export function startTcpProxy(
  targetPort: number,
  { hostname = "127.0.0.1" }: { hostname?: string } = {},
): Promise<TcpProxy> {
  const listener = Deno.listen({ hostname, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  const pumps = new Set<Promise<void>>();
  let accepted = 0;
  let paused = false;
  let frozen = false;
  const isFrozen = () => frozen;
  const serve = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch (e) {
        if (e instanceof Deno.errors.BadResource) return;
        throw e;
      }
      if (paused) {
        closeQuietly(client);
        continue;
      }
      if (frozen) {
        open.add(client); // held open, never answered
        continue;
      }
      accepted++;
      const p = (async () => {
        let upstream: Deno.Conn;
        try {
          upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
        } catch (e) {
          closeQuietly(client);
          if (e instanceof Deno.errors.ConnectionRefused) return;
          throw e;
        }
        open.add(client);
        open.add(upstream);
        await Promise.all([
          pipe(client, upstream, isFrozen).finally(() => closeQuietly(upstream)),
          pipe(upstream, client, isFrozen).finally(() => closeQuietly(client)),
        ]);
        open.delete(client);
        open.delete(upstream);
      })();
      pumps.add(p);
      p.finally(() => pumps.delete(p));
    }
  })();
  const cut = () => {
    for (const c of open) closeQuietly(c);
    open.clear();
  };
  const close = async () => {
    listener.close();
    await serve;
    cut();
    await Promise.all([...pumps]);
  };
  return Promise.resolve({
    port,
    get accepted() {
      return accepted;
    },
    cut,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    freeze: () => {
      frozen = true;
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}
