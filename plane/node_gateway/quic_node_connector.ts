/**
 * {@linkcode QuicNodeConnector}: rks's `pods/log` through the node agent's QUIC connection
 * (kube-apiserver proxies these to the kubelet). rks opens a stream to the pod's node with an
 * `open` message (`purpose: "logs"`, the `PodLogOptions`, the pod's uid); the node answers with
 * `data` frames (channel 1) until the log ends, or one `error` (its `reason` becomes the HTTP
 * status: `NotFound` 404, `BadRequest` 400, anything else 500). `pods/exec` opens a stream with
 * `purpose: "exec"` and the `PodExecOptions`: stdin goes to the node as `data` on channel 0 (its
 * end as `close`), terminal sizes as `resize`; the node answers with `data` on channels 1 and 2
 * and ends with `exit` (the exit code) or `error`.
 *
 * @module
 */
import { ApiError } from "../apiserver/api_error.ts";
import type {
  ContainerRef,
  ExecOptions,
  ExecSession,
  LogOptions,
  NodeConnector,
} from "../apiserver/node_connector.ts";
import {
  decodeBase64,
  encodeBase64,
  MessageReader,
  type NodeMessage,
  writeMessage,
} from "../node_protocol/mod.ts";
import type { NodeGateway } from "./node_gateway.ts";

/** The error a node's `error` message stands for. */
function nodeStreamError(reason: string, message: string): ApiError {
  if (reason === "NotFound") return new ApiError(404, "NotFound", message);
  if (reason === "BadRequest") return ApiError.badRequest(message);
  return ApiError.internal(message);
}

/**
 * A {@linkcode NodeConnector} over the node gateway; `gateway` is set once the gateway runs
 * (until then, and for a node that is not connected, requests fail with 503).
 *
 * @example
 * ```ts
 * import { QuicNodeConnector } from "./quic_node_connector.ts";
 * import assert from "node:assert/strict";
 * const c = new QuicNodeConnector();
 * const ref = { namespace: "default", pod: "web", uid: "u", node: "n1", container: "app" };
 * await assert.rejects(
 *   c.logs(ref, { follow: false, previous: false, timestamps: false }, new AbortController().signal),
 *   /node "n1" is not connected/,
 * );
 * ```
 */
export class QuicNodeConnector implements NodeConnector {
  /** The running gateway. */
  gateway: NodeGateway | undefined;

  /** The container's log from its node (see the module doc). */
  async logs(
    ref: ContainerRef,
    opts: LogOptions,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const gw = this.gateway;
    if (!gw || !gw.connectedNodes().includes(ref.node)) {
      throw ApiError.unavailable(`node "${ref.node}" is not connected to rks`);
    }
    const s = await gw.openStream(ref.node, {
      type: "open",
      purpose: "logs",
      namespace: ref.namespace,
      pod: ref.pod,
      container: ref.container,
      options: { ...opts, uid: ref.uid },
    });
    const reader = new MessageReader(s.readable);
    const close = () => {
      void reader.cancel().catch(() => {});
      void s.writable.close().catch(() => {});
    };
    signal.addEventListener("abort", close, { once: true });
    let first;
    try {
      first = await reader.next();
    } catch (e) {
      close();
      throw ApiError.internal(`node "${ref.node}": ${e instanceof Error ? e.message : e}`);
    }
    if (first?.type === "error") {
      close();
      throw nodeStreamError(first.reason, first.message);
    }
    let pending = first;
    return new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        for (;;) {
          const m = pending ?? await reader.next().catch(() => undefined);
          pending = undefined;
          if (m === undefined || m.type === "exit" || m.type === "error") {
            signal.removeEventListener("abort", close);
            close();
            ctrl.close();
            return;
          }
          if (m.type === "data") {
            ctrl.enqueue(decodeBase64(m.data));
            return;
          }
        }
      },
      cancel() {
        signal.removeEventListener("abort", close);
        close();
      },
    });
  }

  /** Starts `opts.command` in the container on its node (see the module doc). */
  async exec(ref: ContainerRef, opts: ExecOptions, signal: AbortSignal): Promise<ExecSession> {
    const gw = this.gateway;
    if (!gw || !gw.connectedNodes().includes(ref.node)) {
      throw ApiError.unavailable(`node "${ref.node}" is not connected to rks`);
    }
    const s = await gw.openStream(ref.node, {
      type: "open",
      purpose: "exec",
      namespace: ref.namespace,
      pod: ref.pod,
      container: ref.container,
      options: { ...opts, uid: ref.uid },
    });
    const reader = new MessageReader(s.readable);
    const writer = s.writable.getWriter();
    let sending = Promise.resolve();
    const send = (m: NodeMessage) => {
      sending = sending.then(() => writeMessage(writer, m)).catch(() => {});
      return sending;
    };
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      void reader.cancel().catch(() => {});
      void sending.then(() => writer.close()).catch(() => {});
    };
    signal.addEventListener("abort", close, { once: true });
    const outputs: (ReadableStreamDefaultController<Uint8Array> | undefined)[] = [];
    const output = (channel: number, wanted: boolean) => {
      if (!wanted) return undefined;
      return new ReadableStream<Uint8Array>({
        start(ctrl) {
          outputs[channel] = ctrl;
        },
        cancel() {
          outputs[channel] = undefined;
        },
      });
    };
    const stdout = output(1, opts.stdout || opts.tty);
    const stderr = output(2, opts.stderr && !opts.tty);
    const endOutputs = () => {
      for (const c of outputs) {
        try {
          c?.close();
        } catch { /* cancelled */ }
      }
      outputs.length = 0;
    };
    const exit = (async () => {
      try {
        for (;;) {
          let m;
          try {
            m = await reader.next();
          } catch (e) {
            throw ApiError.internal(`node "${ref.node}": ${e instanceof Error ? e.message : e}`);
          }
          if (m === undefined) {
            throw ApiError.internal(
              `node "${ref.node}" ended the exec stream without an exit code`,
            );
          }
          if (m.type === "exit") return m.code;
          if (m.type === "error") throw nodeStreamError(m.reason, m.message);
          if (m.type === "data") {
            try {
              outputs[m.channel]?.enqueue(decodeBase64(m.data));
            } catch { /* the reader went away */ }
          }
        }
      } finally {
        endOutputs();
        signal.removeEventListener("abort", close);
        close();
      }
    })();
    const session: ExecSession = {
      exit,
      kill: close,
      resize(width, height) {
        if (!closed) void send({ type: "resize", width, height });
      },
    };
    if (stdout) session.stdout = stdout;
    if (stderr) session.stderr = stderr;
    if (opts.stdin) {
      session.stdin = new WritableStream<Uint8Array>({
        async write(chunk) {
          for (let i = 0; i < chunk.length; i += 64 * 1024) {
            if (closed) return;
            await send({
              type: "data",
              channel: 0,
              data: encodeBase64(chunk.subarray(i, i + 64 * 1024)),
            });
          }
        },
        async close() {
          if (!closed) await send({ type: "close", channel: 0 });
        },
      });
    }
    return session;
  }
}
