/**
 * A throwaway etcd for tests and benchmarks: a real `etcd` process on free loopback ports with
 * a temporary data directory, stopped and removed afterwards.
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import { removeIfExists } from "../../core/fs.ts";

/** Options for {@linkcode startEtcd}. */
export interface EtcdServerOptions {
  /** The etcd binary (default `/usr/bin/etcd`, Debian's `etcd-server`). */
  binary?: string;
  /** How long to wait for the server to answer (default 20 s). */
  readyTimeoutMs?: number;
  /** Extra command-line flags, e.g. `["--auto-compaction-retention=1"]`. */
  extraArgs?: readonly string[];
  /** Serve the client port over TLS (URLs become `https://` and `grpcs://`). */
  tls?: EtcdTlsFiles;
  /**
   * A data directory to use and keep (an embedded etcd that survives restarts); default a
   * fresh temporary directory removed by `stop`.
   */
  dataDir?: string;
  /** Member name (default random; keep it stable with `dataDir`). */
  name?: string;
  /** Client port (default a free one). */
  port?: number;
  /** Peer port (default a free one). */
  peerPort?: number;
  /**
   * Called with every etcd process right after it is spawned (the first start and each
   * `restart`), e.g. to record it in a test lease (`core/test_lease.ts`).
   */
  onSpawn?: (child: Deno.ChildProcess) => void;
}

/** PEM files for a TLS etcd. With a client certificate, etcd requires one from every client. */
export interface EtcdTlsFiles {
  /** CA that signed the server (and client) certificates. */
  caFile: string;
  /** Server certificate (with `IP:127.0.0.1` as a subject alternative name). */
  certFile: string;
  /** Server key. */
  keyFile: string;
  /** Client certificate used for the readiness probe; turns on `--client-cert-auth`. */
  clientCertFile?: string;
  /** Client key for `clientCertFile`. */
  clientKeyFile?: string;
}

/** A running throwaway etcd. Dispose it (or call `stop`) to kill it and remove its data. */
export interface EtcdServer extends AsyncDisposable {
  /** Client URL for the JSON gateway, e.g. `http://127.0.0.1:40123` (`https://` with TLS). */
  readonly httpUrl: string;
  /** The same port addressed for gRPC, e.g. `grpc://127.0.0.1:40123` (`grpcs://` with TLS). */
  readonly grpcUrl: string;
  /** The client port. */
  readonly port: number;
  /** The data directory. */
  readonly dataDir: string;
  /** The etcd process's id while it runs (undefined once stopped); for CPU accounting. */
  readonly pid: number | undefined;
  /** Stops the process (SIGTERM, then SIGKILL) but keeps the data directory. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory and waits until it answers. */
  restart(): Promise<void>;
  /** Stops the process and removes the data directory (unless it was given as `dataDir`). */
  stop(): Promise<void>;
}

/**
 * Returns a free TCP port on 127.0.0.1 (the kernel picks it; the listener is closed again).
 *
 * @example
 * ```ts
 * import { freePort } from "./etcd_server.ts";
 * import assert from "node:assert/strict";
 * const port = freePort();
 * assert.ok(port > 0 && port < 65536);
 * ```
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitReady(
  url: string,
  child: Deno.ChildProcess,
  timeoutMs: number,
  log: () => string,
  client: Deno.HttpClient | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    if (exited) throw new RkError(`etcd exited before it was ready: ${log()}`);
    try {
      // /health answers {"health":"true"} once a leader serves requests (also with auth on).
      const res = await fetch(`${url}/health`, {
        signal: AbortSignal.timeout(1000),
        ...(client ? { client } : {}),
      });
      const body = await res.text();
      if (res.ok && /"health"\s*:\s*"true"/.test(body)) return;
    } catch (e) {
      if (!(e instanceof TypeError || (e instanceof DOMException))) throw e;
    }
    if (Date.now() > deadline) {
      throw new RkError(`etcd at ${url} was not ready after ${timeoutMs} ms: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a throwaway single-node etcd on free loopback ports with a fresh data directory and
 * waits until its JSON gateway answers.
 *
 * @example
 * ```ts
 * import { startEtcd } from "./etcd_server.ts";
 * import assert from "node:assert/strict";
 * await using etcd = await startEtcd(); // stopped and its data dir removed at the end
 * const res = await fetch(`${etcd.httpUrl}/health`);
 * assert.match(await res.text(), /"health":\s*"true"/);
 * ```
 */
export async function startEtcd(opts: EtcdServerOptions = {}): Promise<EtcdServer> {
  // A free port can be taken by another process between picking and binding: try again.
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof RkError && /address already in use/.test(e.message))) {
        throw e;
      }
    }
  }
}

async function startOnce(opts: EtcdServerOptions): Promise<EtcdServer> {
  const binary = opts.binary ?? "/usr/bin/etcd";
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const keepData = opts.dataDir !== undefined;
  if (opts.dataDir !== undefined) await Deno.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "rk8s-etcd-" });
  const port = opts.port ?? freePort();
  const peerPort = opts.peerPort ?? freePort();
  const tls = opts.tls;
  const httpUrl = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const name = opts.name ?? `rk8s-${crypto.randomUUID().slice(0, 8)}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${httpUrl}`,
    `--advertise-client-urls=${httpUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    `--initial-cluster-token=${name}`,
    "--log-level=error",
    "--logger=zap",
    ...(tls
      ? [
        `--cert-file=${tls.certFile}`,
        `--key-file=${tls.keyFile}`,
        // etcd 3.4 requires client certificates as soon as it is given a trusted CA.
        ...(tls.clientCertFile ? [`--trusted-ca-file=${tls.caFile}`, "--client-cert-auth"] : []),
      ]
      : []),
    ...(opts.extraArgs ?? []),
  ];
  const probeClient = tls
    ? Deno.createHttpClient({
      caCerts: [await Deno.readTextFile(tls.caFile)],
      ...(tls.clientCertFile && tls.clientKeyFile
        ? {
          cert: await Deno.readTextFile(tls.clientCertFile),
          key: await Deno.readTextFile(tls.clientKeyFile),
        }
        : {}),
    })
    : undefined;
  let child: Deno.ChildProcess | undefined;
  let stderr = "";
  const spawn = async () => {
    stderr = "";
    const c = new Deno.Command(binary, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .spawn();
    child = c;
    opts.onSpawn?.(c);
    // Keep the last few KiB of stderr for error messages; reading also keeps the pipe drained.
    (async () => {
      const dec = new TextDecoder();
      for await (const chunk of c.stderr) stderr = (stderr + dec.decode(chunk)).slice(-4096);
    })();
    await waitReady(httpUrl, c, readyTimeoutMs, () => stderr.trim() || "(no output)", probeClient);
  };
  const kill = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    try {
      c.kill("SIGTERM");
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // already exited
    }
    const timer = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
      }
    }, 5000);
    await c.status;
    clearTimeout(timer);
  };
  try {
    await spawn();
  } catch (e) {
    await kill();
    probeClient?.close();
    if (!keepData) await Deno.remove(dataDir, { recursive: true });
    throw e;
  }
  let closed = false;
  const stop = async () => {
    await kill();
    if (!closed) probeClient?.close();
    closed = true;
    if (!keepData) await removeIfExists(dataDir);
  };
  return {
    httpUrl,
    grpcUrl: `${tls ? "grpcs" : "grpc"}://127.0.0.1:${port}`,
    port,
    dataDir,
    get pid() {
      return child?.pid;
    },
    kill,
    async restart() {
      await kill();
      await spawn();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
