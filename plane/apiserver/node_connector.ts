/**
 * `NodeConnector`: how the API server reaches the node that runs a pod for `pods/log` and
 * `pods/exec` (kube-apiserver proxies these to the kubelet). The node agent implements it
 * (issue: nodes over QUIC); until then rks uses {@linkcode noNodeConnector} and tests use a
 * double.
 *
 * @module
 */
import { ApiError } from "./api_error.ts";

/** The pod and container a request is for. */
export interface ContainerRef {
  /** Namespace. */
  namespace: string;
  /** Pod name. */
  pod: string;
  /** Pod uid. */
  uid: string;
  /** The node the pod is bound to. */
  node: string;
  /** Container name. */
  container: string;
}

/** `PodLogOptions` (query parameters of `pods/log`). */
export interface LogOptions {
  /** Keep streaming until the container exits. */
  follow: boolean;
  /** The previous (terminated) instance of the container. */
  previous: boolean;
  /** Prefix every line with an RFC 3339 timestamp. */
  timestamps: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines newer than this many seconds. */
  sinceSeconds?: number;
  /** Only lines newer than this RFC 3339 time. */
  sinceTime?: string;
  /** Stop after this many bytes. */
  limitBytes?: number;
}

/** `PodExecOptions` (query parameters of `pods/exec`). */
export interface ExecOptions {
  /** The command and its arguments. */
  command: string[];
  /** Attach stdin. */
  stdin: boolean;
  /** Attach stdout. */
  stdout: boolean;
  /** Attach stderr. */
  stderr: boolean;
  /** Allocate a terminal. */
  tty: boolean;
}

/** A running exec. */
export interface ExecSession {
  /** The process's standard output (and, with a tty, its terminal output). */
  stdout?: ReadableStream<Uint8Array>;
  /** The process's standard error. */
  stderr?: ReadableStream<Uint8Array>;
  /** Feeds the process's standard input; closed when the client's stdin ends. */
  stdin?: WritableStream<Uint8Array>;
  /** Terminal size changes (columns, rows). */
  resize?(width: number, height: number): void;
  /** Resolves with the exit code, or rejects with a message to show the user. */
  exit: Promise<number>;
  /** Kills the process (the client went away). */
  kill(): void;
}

/** The node side of `pods/log` and `pods/exec`. */
export interface NodeConnector {
  /** The container's log as a byte stream (ends when done, or with `follow` when it exits). */
  logs(
    ref: ContainerRef,
    opts: LogOptions,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Starts a process in the container. */
  exec(ref: ContainerRef, opts: ExecOptions, signal: AbortSignal): Promise<ExecSession>;
}

/**
 * The connector of an API server without node agents: every request fails with
 * `503 ServiceUnavailable` naming the node.
 *
 * @example
 * ```ts
 * import { noNodeConnector } from "./node_connector.ts";
 * import assert from "node:assert/strict";
 * const ref = { namespace: "default", pod: "web", uid: "u", node: "n1", container: "c" };
 * await assert.rejects(
 *   noNodeConnector.logs(ref, { follow: false, previous: false, timestamps: false }, new AbortController().signal),
 *   /no node agent is connected for node "n1"/,
 * );
 * ```
 */
export const noNodeConnector: NodeConnector = {
  logs(ref) {
    return Promise.reject(unavailable(ref.node));
  },
  exec(ref) {
    return Promise.reject(unavailable(ref.node));
  },
};

function unavailable(node: string): ApiError {
  return ApiError.unavailable(`no node agent is connected for node "${node}"`);
}
