/**
 * `pods/log` and `pods/exec`: checks the pod and container as kube-apiserver does, then
 * proxies to the node through a {@linkcode NodeConnector}. Logs stream as `text/plain`; exec is
 * a websocket with the `v5.channel.k8s.io` protocol, or `v4.channel.k8s.io` when only that is
 * offered (binary frames whose first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3
 * error/status, 4 resize; v5 adds 255 close, which ends stdin). The upgrade is
 * always accepted once the request is well-formed: failures are reported as a `Status` on
 * channel 3, because kubectl falls back to SPDY (which Deno cannot serve) on any other answer.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { ApiError, type Status } from "./api_error.ts";
import type { ContainerRef, ExecOptions, LogOptions, NodeConnector } from "./node_connector.ts";
import type { ApiObject } from "./object_codec.ts";

/**
 * The container a `pods/log` or `pods/exec` request addresses; 400 BadRequest as
 * kube-apiserver when the name is missing for a multi-container pod, unknown, or the pod is
 * not on a node yet.
 *
 * @example
 * ```ts
 * import { containerRef } from "./pod_proxy.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "web", namespace: "default", uid: "u" },
 *   spec: { nodeName: "n1", containers: [{ name: "a" }, { name: "b" }] } };
 * assert.equal(containerRef(pod, "b").container, "b");
 * assert.throws(() => containerRef(pod, undefined),
 *   /a container name must be specified for pod web, choose one of: \[a b\]/);
 * ```
 */
export function containerRef(pod: ApiObject, container: string | undefined): ContainerRef {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const names = (Array.isArray(spec.containers) ? spec.containers : []).filter(isRecord).map((c) =>
    String(c.name)
  );
  const init = (Array.isArray(spec.initContainers) ? spec.initContainers : []).filter(isRecord)
    .map((c) => String(c.name));
  const name = String(pod.metadata.name);
  let chosen = container;
  if (chosen === undefined || chosen === "") {
    if (names.length === 1) chosen = names[0]!;
    else {
      throw ApiError.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]` +
          (init.length ? ` or one of the init containers: [${init.join(" ")}]` : ""),
      );
    }
  }
  if (!names.includes(chosen) && !init.includes(chosen)) {
    throw ApiError.badRequest(`container ${chosen} is not valid for pod ${name}`);
  }
  const node = spec.nodeName;
  if (typeof node !== "string" || node === "") {
    throw ApiError.badRequest(`pod ${name} does not have a host assigned`);
  }
  return {
    namespace: String(pod.metadata.namespace ?? "default"),
    pod: name,
    uid: String(pod.metadata.uid ?? ""),
    node,
    container: chosen,
  };
}

function optInt(q: URLSearchParams, name: string, field: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min) {
    throw ApiError.invalid("", "PodLogOptions", "", [{
      reason: "FieldValueInvalid",
      message: `Invalid value: ${n}: must be greater than ${min === 0 ? "or equal to 0" : min - 1}`,
      field,
    }]);
  }
  return n;
}

/** Parses `PodLogOptions` from the query; 422 for negative or conflicting values. */
export function logOptions(q: URLSearchParams): LogOptions {
  const out: LogOptions = {
    follow: q.get("follow") === "true",
    previous: q.get("previous") === "true",
    timestamps: q.get("timestamps") === "true",
  };
  const tail = optInt(q, "tailLines", "tailLines", 0);
  if (tail !== undefined) out.tailLines = tail;
  const since = optInt(q, "sinceSeconds", "sinceSeconds", 1);
  if (since !== undefined) out.sinceSeconds = since;
  const limit = optInt(q, "limitBytes", "limitBytes", 1);
  if (limit !== undefined) out.limitBytes = limit;
  const sinceTime = q.get("sinceTime");
  if (sinceTime) {
    if (since !== undefined) {
      throw ApiError.invalid("", "PodLogOptions", "", [{
        reason: "FieldValueForbidden",
        message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
        field: "",
      }]);
    }
    out.sinceTime = sinceTime;
  }
  return out;
}

function statusOf(pod: ApiObject, container: string): Record<string, unknown> | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  for (
    const field of ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"]
  ) {
    const list = status[field];
    if (!Array.isArray(list)) continue;
    const found = list.find((c) => isRecord(c) && c.name === container);
    if (isRecord(found)) return found;
  }
  return undefined;
}

/**
 * Why there are no logs of `container` yet, as the kubelet words it
 * (`validateContainerLogStatus`, answered as 400 BadRequest through kube-apiserver), from the
 * pod's status: a container whose state is `waiting` and that never ran (no
 * `lastState.terminated`) is `waiting to start: <reason>` (`image can't be pulled` for
 * `ErrImagePull`, `trying and failing to pull image` for `ImagePullBackOff`). `undefined` when
 * the status says it runs or ran, or has no entry for it (the node then answers).
 *
 * @example
 * ```ts
 * import { logsNotReady } from "./pod_proxy.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "p" }, status: { containerStatuses: [
 *   { name: "c", state: { waiting: { reason: "CreateContainerConfigError" } }, lastState: {} },
 *   { name: "r", state: { running: {} }, lastState: {} },
 * ] } };
 * assert.equal(logsNotReady(pod, "c"),
 *   'container "c" in pod "p" is waiting to start: CreateContainerConfigError');
 * assert.equal(logsNotReady(pod, "r"), undefined);
 * assert.equal(logsNotReady(pod, "unknown"), undefined);
 * ```
 */
export function logsNotReady(pod: ApiObject, container: string): string | undefined {
  const c = statusOf(pod, container);
  if (!c) return undefined;
  const state = isRecord(c.state) ? c.state : {};
  const last = isRecord(c.lastState) ? c.lastState : {};
  if (state.running !== undefined || state.terminated !== undefined) return undefined;
  if (isRecord(last.terminated)) return undefined;
  if (!isRecord(state.waiting)) return undefined;
  const reason = typeof state.waiting.reason === "string" ? state.waiting.reason : "";
  const what = reason === "ErrImagePull"
    ? "image can't be pulled"
    : reason === "ImagePullBackOff"
    ? "trying and failing to pull image"
    : reason;
  return `container "${container}" in pod "${
    String(pod.metadata.name)
  }" is waiting to start: ${what}`;
}

/**
 * The `pods/log` response. The node answers first; when it has no log to give (no such pod or
 * container on it yet) and the pod's status says the container waits to start, the answer is
 * the kubelet's 400 BadRequest `container "c" in pod "p" is waiting to start: <reason>`
 * ({@linkcode logsNotReady}).
 */
export async function podLogResponse(
  nodes: NodeConnector,
  pod: ApiObject,
  q: URLSearchParams,
  signal: AbortSignal,
): Promise<Response> {
  const opts = logOptions(q);
  const ref = containerRef(pod, q.get("container") ?? undefined);
  let body: ReadableStream<Uint8Array>;
  try {
    body = await nodes.logs(ref, opts, signal);
  } catch (e) {
    const missing = e instanceof ApiError && (e.code === 404 || e.code === 400);
    const why = missing && !opts.previous ? logsNotReady(pod, ref.container) : undefined;
    if (why !== undefined) throw ApiError.badRequest(why);
    throw e;
  }
  return new Response(body, { headers: { "content-type": "text/plain" } });
}

/** Parses `PodExecOptions` from the query. */
export function execOptions(q: URLSearchParams): ExecOptions {
  const flag = (n: string) => q.get(n) === "true" || q.get(n) === "1";
  return {
    command: q.getAll("command"),
    stdin: flag("stdin"),
    stdout: flag("stdout"),
    stderr: flag("stderr"),
    tty: flag("tty"),
  };
}

const CH_STDIN = 0;
const CH_STDOUT = 1;
const CH_STDERR = 2;
const CH_ERROR = 3;
const CH_RESIZE = 4;
const CH_CLOSE = 255;

function frame(channel: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/** The channel-3 `Status` of an exit code (kubectl prints `command terminated with exit code N`). */
export function exitStatus(code: number, command: readonly string[]): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${
      command.join(" ")
    }], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/**
 * Answers a `pods/exec` websocket upgrade. `lookup` finds the pod (it may throw an
 * `ApiError`, reported on channel 3).
 */
export function podExecResponse(
  req: Request,
  nodes: NodeConnector,
  lookup: () => Promise<ApiObject>,
  q: URLSearchParams,
): Response {
  const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
  const protocol = ["v5.channel.k8s.io", "v4.channel.k8s.io"].find((p) => offered.includes(p));
  if (!protocol) {
    throw ApiError.badRequest(
      `unable to upgrade: websocket subprotocol v5.channel.k8s.io or v4.channel.k8s.io is required, offered: ${
        offered.filter((s) => s !== "").join(", ") || "none"
      }`,
    );
  }
  const { socket, response } = Deno.upgradeWebSocket(req, { protocol });
  socket.binaryType = "arraybuffer";
  const enc = new TextEncoder();
  const ac = new AbortController();
  const sendStatus = (s: Status | Record<string, unknown>) => {
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(frame(CH_ERROR, enc.encode(JSON.stringify(s))));
    }
  };
  const opened = new Promise<void>((resolve) => socket.onopen = () => resolve());
  const pending: Uint8Array[] = [];
  let stdinWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let stdinClosed = false;
  let resize: ((w: number, h: number) => void) | undefined;
  // kubectl sends the terminal's size once, right after the upgrade, and again only when it
  // changes: a size that arrives before the node's session exists is kept for it.
  let earlySize: { width: number; height: number } | undefined;
  socket.onmessage = (ev) => {
    const data = new Uint8Array(ev.data as ArrayBuffer);
    if (data.length === 0) return;
    const ch = data[0]!;
    const payload = data.subarray(1);
    if (ch === CH_STDIN) {
      if (stdinWriter) stdinWriter.write(payload).catch(() => {});
      else pending.push(payload.slice());
    } else if (ch === CH_RESIZE) {
      try {
        const size = JSON.parse(new TextDecoder().decode(payload));
        const [width, height] = [Number(size.Width), Number(size.Height)];
        if (resize) resize(width, height);
        else earlySize = { width, height };
      } catch {
        // A malformed resize message is ignored, as the kubelet does.
      }
    } else if (ch === CH_CLOSE && payload[0] === CH_STDIN) {
      stdinClosed = true;
      stdinWriter?.close().catch(() => {});
    }
  };
  socket.onclose = () => ac.abort();
  (async () => {
    await opened;
    try {
      const pod = await lookup();
      const ref = containerRef(pod, q.get("container") ?? undefined);
      const opts = execOptions(q);
      if (opts.command.length === 0) {
        throw ApiError.badRequest("you must specify at least 1 command");
      }
      const session = await nodes.exec(ref, opts, ac.signal);
      ac.signal.addEventListener("abort", () => session.kill());
      resize = session.resize?.bind(session);
      if (resize && earlySize) resize(earlySize.width, earlySize.height);
      if (session.stdin) {
        stdinWriter = session.stdin.getWriter();
        for (const p of pending) stdinWriter.write(p).catch(() => {});
        pending.length = 0;
        if (stdinClosed) stdinWriter.close().catch(() => {});
      }
      const pump = async (s: ReadableStream<Uint8Array> | undefined, ch: number) => {
        if (!s) return;
        for await (const chunk of s) {
          if (socket.readyState !== WebSocket.OPEN) break;
          socket.send(frame(ch, chunk));
        }
      };
      const [code] = await Promise.all([
        session.exit,
        pump(session.stdout, CH_STDOUT),
        pump(session.stderr, CH_STDERR),
      ]);
      sendStatus(exitStatus(code, opts.command));
    } catch (e) {
      const status = e instanceof ApiError
        ? e.status
        : new ApiError(500, "InternalError", e instanceof Error ? e.message : String(e)).status;
      sendStatus(status);
    } finally {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    }
  })();
  return response;
}
