/**
 * The node protocol's messages: a tagged union on `type`, validated on receipt by
 * {@linkcode parseMessage} (an `unknown` from a frame becomes a {@linkcode NodeMessage} or a
 * {@linkcode MessageError} naming the field). Who sends what:
 *
 * - rks → node, discovery (TCP): `clusterInfo` with the CA certificate.
 * - rks → node, discovery (TCP): `clusterInfo` with the CA certificate.
 * - node → rks, first stream of a connection (the control stream): `join` (bootstrap token →
 *   `joined` with a per-node credential), then `hello` (credential → `welcome`); refusals are
 *   `error`. The control stream stays open while the node is connected.
 * - node → rks, one stream per request: `request` → `response`.
 * - node → rks, one long-lived stream per watch: `watch` → `event`…
 * - rks → node, streams rks opens (logs, exec): `open`, then `data` both ways, `resize` and
 *   `close` (end of stdin) from rks, `exit` (or `error`) from the node.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/**
 * `clusterInfo`: the cluster CA certificate, sent unauthenticated on rks's discovery port (TCP,
 * same number as the QUIC port) — kubeadm's `cluster-info`. The node trusts it only when its
 * SubjectPublicKeyInfo hashes to the `--ca-cert-hash` pin.
 */
export interface ClusterInfoMessage {
  /** Message type. */
  type: "clusterInfo";
  /** The CA certificate, PEM. */
  caCert: string;
}

/** `join`: trade a bootstrap token (`<id>.<secret>`, kubeadm format) for a node credential. */
export interface JoinMessage {
  /** Message type. */
  type: "join";
  /** The bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
  token: string;
  /** The Node name the node will register. */
  nodeName: string;
}

/** `joined`: the per-node credential rks issued; the node keeps it and sends it in `hello`. */
export interface JoinedMessage {
  /** Message type. */
  type: "joined";
  /** The Node name the credential is bound to. */
  nodeName: string;
  /** The credential (opaque, 43 base64url characters). */
  credential: string;
}

/** `hello`: authenticate a connection with a node credential. */
export interface HelloMessage {
  /** Message type. */
  type: "hello";
  /** The Node name. */
  nodeName: string;
  /** The credential from `joined`. */
  credential: string;
  /** The node agent's rk8s version. */
  agentVersion: string;
}

/** `welcome`: the connection is authenticated as `nodeName`. */
export interface WelcomeMessage {
  /** Message type. */
  type: "welcome";
  /** The authenticated Node name. */
  nodeName: string;
}

/** `error`: a refusal or failure; `reason` is a Kubernetes StatusReason-like word. */
export interface ErrorMessage {
  /** Message type. */
  type: "error";
  /** Machine-readable reason: `Unauthorized`, `Forbidden`, `BadRequest`, … */
  reason: string;
  /** One-line human message. */
  message: string;
}

/** HTTP verbs a node may send in a `request`. */
export type RequestVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** `request`: one API call relayed by rks with the node's identity. */
export interface RequestMessage {
  /** Message type. */
  type: "request";
  /** HTTP verb. */
  verb: RequestVerb;
  /** API path, e.g. `/api/v1/nodes/n1` (with query string). */
  path: string;
  /** Content type of `body` (for PATCH: a patch media type). */
  contentType?: string;
  /** The JSON body. */
  body?: unknown;
}

/** `response`: the answer to a `request`. */
export interface ResponseMessage {
  /** Message type. */
  type: "response";
  /** HTTP status code. */
  status: number;
  /** The JSON body (an object or a `Status`). */
  body: unknown;
}

/** `watch`: open a watch on an API path (long-lived stream). */
export interface WatchMessage {
  /** Message type. */
  type: "watch";
  /** Collection path, e.g. `/api/v1/pods?fieldSelector=spec.nodeName%3Dn1`. */
  path: string;
  /** Resume after this resourceVersion. */
  resourceVersion?: string;
}

/** Watch event types (the Kubernetes watch API's). */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** `event`: one watch event. */
export interface EventMessage {
  /** Message type. */
  type: "event";
  /** Event type. */
  eventType: WatchEventType;
  /** The object (or a `Status` for `ERROR`). */
  object: Record<string, unknown>;
}

/** What a stream rks opens towards a node is for. */
export type OpenPurpose = "logs" | "exec";

/** `open`: rks opens a stream to the node for logs or exec of one container. */
export interface OpenMessage {
  /** Message type. */
  type: "open";
  /** What for. */
  purpose: OpenPurpose;
  /** Namespace of the pod. */
  namespace: string;
  /** Pod name. */
  pod: string;
  /** Container name. */
  container: string;
  /** Purpose-specific options (`PodLogOptions` / `PodExecOptions` fields). */
  options: Record<string, unknown>;
}

/** `data`: bytes on a channel (0 stdin, 1 stdout, 2 stderr — the channel.k8s.io numbering). */
export interface DataMessage {
  /** Message type. */
  type: "data";
  /** Channel number, 0–2. */
  channel: number;
  /** The bytes, base64. */
  data: string;
}

/** `resize`: terminal size change (exec with a tty). */
export interface ResizeMessage {
  /** Message type. */
  type: "resize";
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/** `close`: the sender will write no more on `channel` (0: the exec'd process's stdin ended). */
export interface CloseMessage {
  /** Message type. */
  type: "close";
  /** Channel number, 0–2. */
  channel: number;
}

/** `exit`: the exec'd process ended. */
export interface ExitMessage {
  /** Message type. */
  type: "exit";
  /** Exit code. */
  code: number;
}

/** Every message of protocol version 1. */
export type NodeMessage =
  | ClusterInfoMessage
  | JoinMessage
  | JoinedMessage
  | HelloMessage
  | WelcomeMessage
  | ErrorMessage
  | RequestMessage
  | ResponseMessage
  | WatchMessage
  | EventMessage
  | OpenMessage
  | DataMessage
  | ResizeMessage
  | CloseMessage
  | ExitMessage;

/** The `type` values of {@linkcode NodeMessage}. */
export type MessageType = NodeMessage["type"];

/**
 * A value that is not a valid message: `field` is the path of the offending field (`type` for an
 * unknown type).
 *
 * @example
 * ```ts
 * import { parseMessage, MessageError } from "./messages.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseMessage({ type: "nope" }), MessageError);
 * ```
 */
export class MessageError extends TypeError {
  /** Path of the offending field. */
  readonly field: string;
  /** Creates the error. */
  constructor(field: string, message: string) {
    super(message);
    this.name = "MessageError";
    this.field = field;
  }
}

type Kind = "string" | "number" | "object" | "any";
type Spec = Record<string, { kind: Kind; optional?: true; oneOf?: readonly string[] }>;

const s = { kind: "string" } as const;
const n = { kind: "number" } as const;
const o = { kind: "object" } as const;

const specs: Record<MessageType, Spec> = {
  clusterInfo: { caCert: s },
  join: { token: s, nodeName: s },
  joined: { nodeName: s, credential: s },
  hello: { nodeName: s, credential: s, agentVersion: s },
  welcome: { nodeName: s },
  error: { reason: s, message: s },
  request: {
    verb: { kind: "string", oneOf: ["GET", "POST", "PUT", "PATCH", "DELETE"] },
    path: s,
    contentType: { kind: "string", optional: true },
    body: { kind: "any", optional: true },
  },
  response: { status: n, body: { kind: "any" } },
  watch: { path: s, resourceVersion: { kind: "string", optional: true } },
  event: {
    eventType: { kind: "string", oneOf: ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"] },
    object: o,
  },
  open: {
    purpose: { kind: "string", oneOf: ["logs", "exec"] },
    namespace: s,
    pod: s,
    container: s,
    options: o,
  },
  data: { channel: n, data: s },
  resize: { width: n, height: n },
  close: { channel: n },
  exit: { code: n },
};

/** The message types protocol version 1 knows. */
export const MESSAGE_TYPES: readonly MessageType[] = Object.keys(specs) as MessageType[];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isBase64(s: string): boolean {
  return BASE64.test(s);
}

function kindOf(v: unknown): Kind | "other" {
  if (typeof v === "string") return "string";
  if (typeof v === "number" && Number.isFinite(v)) return "number";
  if (isRecord(v)) return "object";
  return "other";
}

/**
 * Validates a decoded frame value as a {@linkcode NodeMessage}: `type` must be known, every
 * required field present with the right JSON type (numbers finite, `channel` 0–2, `status`
 * 100–599, `width`/`height`/`code` integers, `data` base64), no field of another type. Unknown extra fields
 * are ignored (forward compatibility within a version). Throws {@linkcode MessageError}.
 *
 * @example
 * ```ts
 * import { parseMessage } from "./messages.ts";
 * import assert from "node:assert/strict";
 * const m = parseMessage({ type: "watch", path: "/api/v1/pods" });
 * assert.equal(m.type, "watch");
 * assert.throws(() => parseMessage({ type: "join", token: 1, nodeName: "n" }), /token: expected a string/);
 * assert.throws(() => parseMessage({ type: "reboot" }), /unknown message type "reboot"/);
 * ```
 */
export function parseMessage(value: unknown): NodeMessage {
  if (!isRecord(value)) throw new MessageError("", "Invalid message: expected a JSON object");
  const type = value.type;
  if (typeof type !== "string") {
    throw new MessageError("type", "Invalid message: type: expected a string");
  }
  if (!Object.hasOwn(specs, type)) {
    throw new MessageError(
      "type",
      `Invalid message: unknown message type ${JSON.stringify(type.slice(0, 64))}`,
    );
  }
  const spec = specs[type as MessageType];
  for (const [field, rule] of Object.entries(spec)) {
    const v = value[field];
    if (v === undefined) {
      if (rule.optional) continue;
      throw new MessageError(field, `Invalid ${type} message: ${field}: required`);
    }
    if (rule.kind !== "any" && kindOf(v) !== rule.kind) {
      const what = rule.kind === "object" ? "an object" : `a ${rule.kind}`;
      throw new MessageError(field, `Invalid ${type} message: ${field}: expected ${what}`);
    }
    if (rule.oneOf && !rule.oneOf.includes(v as string)) {
      throw new MessageError(
        field,
        `Invalid ${type} message: ${field}: expected one of ${rule.oneOf.join(", ")}, got ${
          JSON.stringify(String(v).slice(0, 64))
        }`,
      );
    }
  }
  const intIn = (field: string, lo: number, hi: number) => {
    const v = value[field] as number;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new MessageError(
        field,
        `Invalid ${type} message: ${field}: expected an integer from ${lo} to ${hi}, got ${v}`,
      );
    }
  };
  if (type === "data" || type === "close") intIn("channel", 0, 2);
  if (type === "data" && !isBase64(value.data as string)) {
    throw new MessageError("data", `Invalid data message: data: expected base64`);
  }
  if (type === "response") intIn("status", 100, 599);
  if (type === "resize") {
    intIn("width", 0, 65535);
    intIn("height", 0, 65535);
  }
  if (type === "exit") intIn("code", -255, 255);
  return value as unknown as NodeMessage;
}
