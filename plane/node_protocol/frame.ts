/**
 * The node protocol's framing: every message travels as one frame, a 4-byte big-endian length
 * followed by that many bytes of payload; the payload starts with one byte naming the protocol
 * version and continues with the message as UTF-8 JSON. {@linkcode FrameDecoder} reassembles
 * frames from chunks of any size (a frame may span many reads, a read may hold many frames),
 * so the size of one read never limits a message.
 *
 * @module
 */

/** The protocol version byte of every frame this code writes and accepts. */
export const PROTOCOL_VERSION = 1;

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/**
 * The largest payload accepted by default: 16 MiB (bytes), room for a Kubernetes object of
 * the size etcd stores (1.5 MiB by default) many times over, and far below the 4 GiB the
 * length field could announce.
 */
export const MAX_FRAME_BYTES: number = 16 * 1024 * 1024;

/** Why a frame was refused. */
export type FrameErrorReason = "too-large" | "empty" | "version" | "truncated" | "json";

/**
 * A malformed frame. `reason` tells which rule it broke; `length` is the announced payload
 * length when one was read.
 *
 * @example
 * ```ts
 * import { FrameError } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const e = new FrameError("too-large", "frame of 9 bytes exceeds the limit of 8 bytes", 9);
 * assert.equal(e.reason, "too-large");
 * assert.ok(e instanceof RangeError);
 * ```
 */
export class FrameError extends RangeError {
  /** Which rule the frame broke. */
  readonly reason: FrameErrorReason;
  /** The announced payload length in bytes, when known. */
  readonly length: number | undefined;
  /** Creates the error. */
  constructor(reason: FrameErrorReason, message: string, length?: number) {
    super(message);
    this.name = "FrameError";
    this.reason = reason;
    this.length = length;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes `message` (any JSON value) as one frame: `u32 length | u8 version | JSON`.
 * Throws {@linkcode FrameError} `too-large` when the payload exceeds `maxBytes`.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const f = encodeFrame({ type: "ping" });
 * assert.equal(new DataView(f.buffer).getUint32(0), f.length - 4);
 * assert.equal(f[4], 1);
 * ```
 */
export function encodeFrame(message: unknown, maxBytes: number = MAX_FRAME_BYTES): Uint8Array {
  const json = encoder.encode(JSON.stringify(message));
  const length = json.length + 1;
  if (length > maxBytes) {
    throw new FrameError(
      "too-large",
      `Cannot send a frame of ${length} bytes: the limit is ${maxBytes} bytes`,
      length,
    );
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + length);
  new DataView(out.buffer).setUint32(0, length);
  out[FRAME_HEADER_BYTES] = PROTOCOL_VERSION;
  out.set(json, FRAME_HEADER_BYTES + 1);
  return out;
}

/**
 * Reassembles frames from a byte stream. {@linkcode FrameDecoder.push} takes the next chunk
 * and returns the JSON values of the frames it completed (parsed, not yet validated as
 * messages); {@linkcode FrameDecoder.finish} checks that the stream did not end inside a frame.
 * A frame announcing more than `maxBytes` is refused as soon as its header arrives, before its
 * bytes are buffered.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const bytes = encodeFrame({ type: "ping", pad: "x".repeat(10_000) });
 * const d = new FrameDecoder();
 * assert.deepEqual(d.push(bytes.subarray(0, 3)), []);
 * assert.deepEqual(d.push(bytes.subarray(3, 5000)), []);
 * const [msg] = d.push(bytes.subarray(5000));
 * assert.equal((msg as { pad: string }).pad.length, 10_000);
 * d.finish();
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  /** Creates a decoder that refuses payloads over `maxBytes` (default {@linkcode MAX_FRAME_BYTES}). */
  constructor(maxBytes: number = MAX_FRAME_BYTES) {
    this.#max = maxBytes;
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Adds `chunk`; returns the values of every frame now complete, in order. Throws
   * {@linkcode FrameError} for a frame that is empty, too large, of another version, or not
   * UTF-8 JSON; the decoder is then unusable (the stream has lost its framing).
   */
  push(chunk: Uint8Array): unknown[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const out: unknown[] = [];
    while (this.#buffered >= FRAME_HEADER_BYTES) {
      const header = this.#peek(FRAME_HEADER_BYTES);
      const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
      if (length === 0) throw new FrameError("empty", "Malformed frame: length 0", 0);
      if (length > this.#max) {
        throw new FrameError(
          "too-large",
          `Malformed frame: announced length ${length} bytes exceeds the limit of ${this.#max} bytes`,
          length,
        );
      }
      if (this.#buffered < FRAME_HEADER_BYTES + length) break;
      const frame = this.#take(FRAME_HEADER_BYTES + length);
      const version = frame[FRAME_HEADER_BYTES]!;
      if (version !== PROTOCOL_VERSION) {
        throw new FrameError(
          "version",
          `Unsupported protocol version ${version} (this side speaks ${PROTOCOL_VERSION})`,
          length,
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(decoder.decode(frame.subarray(FRAME_HEADER_BYTES + 1)));
      } catch (e) {
        throw new FrameError(
          "json",
          `Malformed frame: payload is not UTF-8 JSON (${e instanceof Error ? e.message : e})`,
          length,
        );
      }
      out.push(value);
    }
    return out;
  }

  /** Throws {@linkcode FrameError} `truncated` when the stream ended inside a frame. */
  finish(): void {
    if (this.#buffered > 0) {
      throw new FrameError(
        "truncated",
        `Truncated frame: the stream ended with ${this.#buffered} bytes of an incomplete frame`,
      );
    }
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.#compact();
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Uint8Array {
    let first = this.#chunks[0]!;
    if (first.length < n) {
      this.#compact();
      first = this.#chunks[0]!;
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #compact(): void {
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
  }
}
