/**
 * Test helpers: a real API server on a throwaway etcd (JSON gateway or gRPC) with a fresh
 * PKI, and the real kubectl run against it with its own `HOME` (so `~/.kube/cache` starts
 * empty) and kubeconfig.
 *
 * @module
 */
import type { DefaultTolerationSettings } from "./default_toleration_seconds.ts";
import { join } from "node:path";
import { waitFor } from "../../core/testing.ts";
import { connectStore } from "../store/etcd_client.ts";
import type { EtcdServer } from "../store/etcd_server.ts";
import { testLease } from "../../core/test_lease.ts";
import { startTestEtcd } from "../store/_testing.ts";
import type { KvStore } from "../store/kv_store.ts";
import { type ApiServer, startApiServer } from "./api_server.ts";
import { type ClusterPki, ensureClusterPki } from "./cluster_pki.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { ApiError } from "./api_error.ts";
import { TokenIssuer } from "./token_issuer.ts";
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from "./service_account_claims.ts";
import type {
  ContainerRef,
  ExecOptions,
  ExecSession,
  LogOptions,
  NodeConnector,
} from "./node_connector.ts";

/** What kubectl printed. */
export interface KubectlResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A running test cluster. */
export interface TestCluster extends AsyncDisposable {
  /** The etcd. */
  etcd: EtcdServer;
  /** The store client the server uses. */
  store: KvStore;
  /** The API server. */
  server: ApiServer;
  /** The PKI. */
  pki: ClusterPki;
  /** Temporary directory (HOME, kubeconfig, PKI). */
  dir: string;
  /** Path of the admin kubeconfig. */
  kubeconfig: string;
  /** Runs kubectl with `args` (and optional stdin and extra environment). */
  kubectl(
    args: readonly string[],
    stdin?: string,
    env?: Record<string, string>,
  ): Promise<KubectlResult>;
  /** Starts kubectl and returns the process (for `get -w`). */
  spawnKubectl(args: readonly string[]): Deno.ChildProcess;
  /** An HTTPS request to the server with the admin token (or `token`). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

/** Options of {@linkcode startTestCluster}. */
export interface TestClusterOptions {
  /** The ServiceAccount admission plugin adds the token volume (default false; rks's is on). */
  serviceAccountTokenVolume?: boolean;
  /** How long a token's successful authentication is reused (default 10 s). */
  tokenCacheTtlMs?: number;
  /** `--advertise-address` (what the `default/kubernetes` Endpoints name). */
  advertiseAddress?: string;
  /** Events' lifetime after their last write, seconds (`--event-ttl`; default 3600). */
  eventTtlSeconds?: number;
  /** gRPC unary calls through a worker thread, as `rks start` connects (default true). */
  grpcWorker?: boolean;
  /** The seconds of the DefaultTolerationSeconds admission's tolerations (300 each). */
  defaultTolerations?: DefaultTolerationSettings;
}

/**
 * Starts etcd, the store client over `transport`, the PKI and the API server (issuing
 * service-account tokens as `DEFAULT_SERVICE_ACCOUNT_ISSUER`).
 */
export async function startTestCluster(
  transport: "http" | "grpc",
  nodes?: NodeConnector,
  opts: TestClusterOptions = {},
): Promise<TestCluster> {
  const lease = testLease();
  const dir = lease.makeTempDir("rks-test-");
  const removeDir = async () => {
    await Deno.remove(dir, { recursive: true });
    lease.release({ kind: "dir", path: dir });
  };
  let etcd: EtcdServer | undefined;
  let store: KvStore | undefined;
  let server: ApiServer;
  let pki: ClusterPki;
  try {
    etcd = await startTestEtcd();
    store = connectStore({
      endpoints: transport === "http" ? etcd.httpUrl : etcd.grpcUrl,
      grpcWorker: opts.grpcWorker ?? true,
    });
    pki = await ensureClusterPki(join(dir, "pki"), []);
    server = await startApiServer({
      store,
      port: 0,
      cert: pki.serverCert,
      key: pki.serverKey,
      token: pki.adminToken,
      // Unexpected server errors show in the test output.
      log: (line) => console.error(line),
      ...(nodes ? { nodes } : {}),
      ...(opts.eventTtlSeconds !== undefined ? { eventTtlSeconds: opts.eventTtlSeconds } : {}),
      ...(opts.advertiseAddress ? { advertiseAddress: opts.advertiseAddress } : {}),
      ...(opts.defaultTolerations ? { defaultTolerations: opts.defaultTolerations } : {}),
      serviceAccounts: {
        issuer: await TokenIssuer.fromPem(
          pki.serviceAccountKey,
          pki.serviceAccountPub,
          DEFAULT_SERVICE_ACCOUNT_ISSUER,
        ),
        mountToken: opts.serviceAccountTokenVolume ?? false,
        ...(opts.tokenCacheTtlMs !== undefined ? { tokenCacheTtlMs: opts.tokenCacheTtlMs } : {}),
      },
    });
  } catch (e) {
    // A failed start leaves nothing behind.
    await store?.close();
    await etcd?.stop();
    await removeDir();
    throw e;
  }
  const kubeconfig = join(dir, "admin.kubeconfig");
  await Deno.writeTextFile(
    kubeconfig,
    renderKubeconfig({ server: server.url, caCert: pki.caCert, token: pki.adminToken }),
  );
  const home = join(dir, "home");
  await Deno.mkdir(home);
  const client = Deno.createHttpClient({ caCerts: [pki.caCert] });
  const env = { HOME: home, KUBECONFIG: kubeconfig, PATH: "/usr/bin:/bin" };
  const command = (args: readonly string[], stdin: boolean, extra: Record<string, string> = {}) =>
    new Deno.Command("/usr/bin/kubectl", {
      args: [...args],
      env: { ...env, ...extra },
      clearEnv: true,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
  return {
    etcd,
    store,
    server,
    pki,
    dir,
    kubeconfig,
    async kubectl(args, stdin, extra) {
      const child = command(args, stdin !== undefined, extra).spawn();
      if (stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(stdin));
        await w.close();
      }
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    spawnKubectl(args) {
      return command(args, false).spawn();
    },
    request(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      const t = token === undefined ? pki.adminToken : token;
      if (t !== null) headers.set("authorization", `Bearer ${t}`);
      if (rest.body !== undefined && !headers.has("content-type")) {
        headers.set("content-type", "application/json");
      }
      return fetch(`${server.url}${path}`, { ...rest, headers, client });
    },
    async [Symbol.asyncDispose]() {
      await server.close();
      await store.close();
      await etcd.stop();
      client.close();
      await removeDir();
    },
  };
}

/** Collects the lines of a byte stream; {@linkcode LineReader.until} waits for a condition. */
export class LineReader {
  readonly lines: string[] = [];
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #done = false;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** Reads until `until(lines)` holds; throws after `timeoutMs` or at the end of the stream. */
  async until(until: (lines: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this.lines)) {
      const left = deadline - Date.now();
      const fail = (why: string) => new Error(`${why}; lines so far:\n${this.lines.join("\n")}`);
      if (left <= 0 || this.#done) throw fail(this.#done ? "stream ended" : "timed out");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        this.#reader.read(),
        new Promise<never>((_, rej) => timer = setTimeout(() => rej(fail("timed out")), left)),
      ]).finally(() => clearTimeout(timer));
      if (r.done) {
        this.#done = true;
        continue;
      }
      this.#buf += r.value;
      const parts = this.#buf.split("\n");
      this.#buf = parts.pop()!;
      this.lines.push(...parts.filter((p) => p !== ""));
    }
    return this.lines;
  }
  /** Stops reading. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

/**
 * A node double for `pods/log` and `pods/exec`. Logs are `line 1` … `line 5` (tailLines and
 * timestamps honoured; with follow, `line 6` comes later and the stream then ends). Exec runs
 * `echo ARGS`, `cat` (stdin to stdout), `sh -c "exit N"`, `waiting` (fails as a container
 * that has not started) and `size` (a slow node: its session exists only after 500 ms; it prints
 * the first terminal size it is given as `ROWS COLS` and exits 0, or `no size` and exits 1 after
 * 10 s).
 */
export class FakeNodes implements NodeConnector {
  /** Every request, in order. */
  readonly calls: { op: "logs" | "exec"; ref: ContainerRef; opts: LogOptions | ExecOptions }[] = [];

  logs(ref: ContainerRef, opts: LogOptions): Promise<ReadableStream<Uint8Array>> {
    this.calls.push({ op: "logs", ref, opts });
    let lines = [1, 2, 3, 4, 5].map((i) => `line ${i}`);
    if (opts.tailLines !== undefined) {
      lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
    }
    const fmt = (l: string) => `${opts.timestamps ? "2026-01-01T00:00:00.000000000Z " : ""}${l}\n`;
    const enc = new TextEncoder();
    return Promise.resolve(
      new ReadableStream({
        async start(c) {
          for (const l of lines) c.enqueue(enc.encode(fmt(l)));
          if (opts.follow) {
            await new Promise((r) => setTimeout(r, 100));
            c.enqueue(enc.encode(fmt("line 6")));
          }
          c.close();
        },
      }),
    );
  }

  exec(ref: ContainerRef, opts: ExecOptions): Promise<ExecSession> {
    this.calls.push({ op: "exec", ref, opts });
    const enc = new TextEncoder();
    const [cmd, ...args] = opts.command;
    if (cmd === "waiting") {
      return Promise.reject(
        ApiError.badRequest(
          `container "${ref.container}" in pod "${ref.pod}" is waiting to start: ContainerCreating`,
        ),
      );
    }
    if (cmd === "size") {
      let print: (line: string, code: number) => void = () => {};
      let resolveExit!: (code: number) => void;
      const exit = new Promise<number>((r) => resolveExit = r);
      const stdout = new ReadableStream<Uint8Array>({
        start(c) {
          const timer = setTimeout(() => print("no size", 1), 10_000);
          print = (line, code) => {
            print = () => {};
            clearTimeout(timer);
            c.enqueue(enc.encode(`${line}\n`));
            c.close();
            resolveExit(code);
          };
        },
      });
      const session: ExecSession = {
        stdout,
        exit,
        kill() {},
        resize: (width, height) => print(`${height} ${width}`, 0),
      };
      return new Promise((r) => setTimeout(() => r(session), 500));
    }
    if (cmd === "cat") {
      const t = new TransformStream<Uint8Array, Uint8Array>();
      let done!: (code: number) => void;
      const exit = new Promise<number>((r) => done = r);
      const [a, b] = t.readable.tee();
      (async () => {
        for await (const _ of b) { /* drain */ }
        done(0);
      })();
      return Promise.resolve({ stdin: t.writable, stdout: a, exit, kill() {} });
    }
    let out = "";
    let code = 0;
    if (cmd === "echo") out = args.join(" ") + "\n";
    else if (cmd === "sh" && args[0] === "-c") {
      code = Number(/exit (\d+)/.exec(args[1] ?? "")?.[1] ?? 0);
    } else {return Promise.resolve({
        exit: Promise.reject(new Error(`${cmd}: not found`)),
        kill() {},
      });}
    return Promise.resolve({
      stdout: new ReadableStream({
        start(c) {
          if (out) c.enqueue(enc.encode(out));
          c.close();
        },
      }),
      exit: Promise.resolve(code),
      kill() {},
    });
  }
}

const repoRoot = new URL("../..", import.meta.url).pathname;

/**
 * Starts `deno task rks`'s entry point (`cli/rks.ts`, permission set `rks`) as a real process,
 * held by the test lease (`core/test_lease.ts`) until it exits.
 */
export function startRksProcess(args: string[]): Deno.ChildProcess {
  const p = new Deno.Command("deno", {
    args: ["run", "-q", "--frozen", "-P=rks", "cli/rks.ts", ...args],
    cwd: repoRoot,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  testLease().holdChild(p, "rks");
  return p;
}

/** Sends SIGTERM (unless the process already exited) and returns its exit code and stderr. */
export async function stopRksProcess(
  p: Deno.ChildProcess,
): Promise<{ code: number; stderr: string }> {
  try {
    p.kill("SIGTERM");
  } catch { /* already gone */ }
  const out = await p.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/**
 * Waits until an rks process wrote `kubeconfig` and answers `/readyz` (60 s at most); fails at
 * once when the process exits.
 */
export async function waitRksServing(
  home: string,
  kubeconfig: string,
  p: Deno.ChildProcess,
): Promise<void> {
  let exited = false;
  p.status.then(() => exited = true);
  await waitFor("rks to serve", async () => {
    if (exited) throw new Error("rks exited");
    try {
      await Deno.stat(kubeconfig);
    } catch {
      return false;
    }
    const r = await runKubectl(home, kubeconfig, ["get", "--raw", "/readyz"]);
    return r.code === 0 && r.stdout.trim() === "ok";
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

/** Runs the real kubectl with its own `HOME` and `kubeconfig` (and optional stdin). */
export async function runKubectl(
  home: string,
  kubeconfig: string,
  args: string[],
  stdin?: string,
): Promise<KubectlResult> {
  const child = new Deno.Command("/usr/bin/kubectl", {
    args,
    env: { HOME: home, KUBECONFIG: kubeconfig, PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
