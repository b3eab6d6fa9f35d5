/**
 * The protocol between node agents and rks: length-prefixed, versioned frames carrying typed,
 * validated JSON messages over QUIC streams, plus kubeadm-style bootstrap tokens and CA pins.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder, parseMessage } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const [v] = new FrameDecoder().push(encodeFrame({ type: "exit", code: 3 }));
 * assert.deepEqual(parseMessage(v), { type: "exit", code: 3 });
 * ```
 *
 * @module
 */
export * from "./frame.ts";
export * from "./messages.ts";
export * from "./message_stream.ts";
export * from "./ca_cert_hash.ts";
export * from "./bootstrap_token.ts";
export * from "./base64.ts";
