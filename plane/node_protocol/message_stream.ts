/**
 * Messages over a byte stream (one QUIC stream): {@linkcode MessageReader} reads validated
 * messages, {@linkcode writeMessage} writes one frame.
 *
 * @module
 */
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from "./frame.ts";
import { type NodeMessage, parseMessage } from "./messages.ts";

/**
 * Reads {@linkcode NodeMessage}s from a byte stream, however its reads split the frames.
 * `next()` resolves to the next message or `undefined` at a clean end of stream; it throws
 * `FrameError` (malformed or truncated frame) or `MessageError` (invalid message).
 *
 * @example
 * ```ts
 * import { MessageReader } from "./message_stream.ts";
 * import { encodeFrame } from "./frame.ts";
 * import assert from "node:assert/strict";
 * const bytes = encodeFrame({ type: "welcome", nodeName: "n1" });
 * const r = new MessageReader(ReadableStream.from([bytes.subarray(0, 2), bytes.subarray(2)]));
 * assert.deepEqual(await r.next(), { type: "welcome", nodeName: "n1" });
 * assert.equal(await r.next(), undefined);
 * ```
 */
export class MessageReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder: FrameDecoder;
  #queue: unknown[] = [];
  #ended = false;

  /** Reads from `stream`, refusing payloads over `maxBytes`. */
  constructor(stream: ReadableStream<Uint8Array>, maxBytes: number = MAX_FRAME_BYTES) {
    this.#reader = stream.getReader();
    this.#decoder = new FrameDecoder(maxBytes);
  }

  /** The next message, or `undefined` when the stream ended cleanly. */
  async next(): Promise<NodeMessage | undefined> {
    while (this.#queue.length === 0) {
      if (this.#ended) return undefined;
      const r = await this.#reader.read();
      if (r.done) {
        this.#ended = true;
        this.#decoder.finish();
        return undefined;
      }
      this.#queue.push(...this.#decoder.push(r.value));
    }
    return parseMessage(this.#queue.shift());
  }

  /** Stops reading (cancels the underlying stream). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Iterates the messages until the end of the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<NodeMessage> {
    for (let m = await this.next(); m !== undefined; m = await this.next()) yield m;
  }
}

/**
 * Writes `message` as one frame on `writer`.
 *
 * @example
 * ```ts
 * import { writeMessage } from "./message_stream.ts";
 * import assert from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const w = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) }).getWriter();
 * await writeMessage(w, { type: "exit", code: 0 });
 * assert.equal(chunks.length, 1);
 * ```
 */
export async function writeMessage(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  message: NodeMessage,
): Promise<void> {
  await writer.write(encodeFrame(message));
}
