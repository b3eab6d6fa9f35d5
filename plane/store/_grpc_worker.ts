/**
 * The worker side of `WorkerGrpcTransport` (`_worker_transport.ts`): runs one
 * {@linkcode GrpcTransport} in a worker thread and answers the unary calls the owner posts.
 * Messages go in batches (one `postMessage` per event-loop turn, flushed by `setImmediate`), and
 * each answer's bytes fields are copied into buffers of their own and transferred, so no answer
 * drags the socket chunk its bytes were decoded from across threads.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { GrpcTransport } from "./_grpc_transport.ts";
import type { Method } from "./_transport.ts";
import type { Wire } from "./_wire.ts";
import { errorData, type ToOwner, type ToWorker } from "./_worker_messages.ts";

interface Port {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker[]>) => void) | null;
}
const port = self as unknown as Port;

let transport: GrpcTransport | undefined;
let outbox: ToOwner[] = [];
let transfer: ArrayBuffer[] = [];

/** Copies every Uint8Array of `v` into an exact-size buffer listed in `transfer`. */
function detach(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    const copy = new Uint8Array(v);
    transfer.push(copy.buffer);
    return copy;
  }
  if (Array.isArray(v)) return v.map(detach);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = detach((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function post(m: ToOwner): void {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(m);
}

function flush(): void {
  const batch = outbox;
  const t = transfer;
  outbox = [];
  transfer = [];
  port.postMessage(batch, t);
}

async function call(id: number, method: Method, request: Wire, timeoutMs: number, op: string) {
  try {
    const res = await transport!.call(method, request, { timeoutMs, operation: op });
    post({ id, ok: true, res: detach(res) });
  } catch (e) {
    post({ id, ok: false, error: errorData(e) });
  }
}

port.onmessage = (e) => {
  for (const m of e.data) {
    switch (m.t) {
      case "init":
        transport = new GrpcTransport(m.endpoint, m.tls);
        break;
      case "token":
        transport?.setToken(m.token);
        break;
      case "call":
        void call(m.id, m.method, m.request, m.timeoutMs, m.operation);
        break;
    }
  }
};
