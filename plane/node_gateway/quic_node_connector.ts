/**
 * {@linkcode QuicNodeConnector}: rks's `pods/log` through the node agent's QUIC connection
 * (kube-apiserver proxies these to the kubelet). rks opens a stream to the pod's node with an
 * `open` message (`purpose: "logs"`, the `PodLogOptions`, the pod's uid); the node answers with
 * `data` frames (channel 1) until the log ends, or one `error` (its `reason` becomes the HTTP
 * status: `NotFound` 404, `BadRequest` 400, anything else 500). `exec` over QUIC is not there
 * yet: 503.
 *
 * @module
 */
import { ApiError } from "../apiserver/api_error.ts";
import type {
  ContainerRef,
  ExecSession,
  LogOptions,
  NodeConnector,
} from "../apiserver/node_connector.ts";
import { MessageReader } from "../node_protocol/mod.ts";
import type { NodeGateway } from "./node_gateway.ts";

function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

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

  /** Not over QUIC yet: 503. */
  exec(ref: ContainerRef): Promise<ExecSession> {
    return Promise.reject(
      ApiError.unavailable(`exec through the node agent of "${ref.node}" is not supported yet`),
    );
  }
}
