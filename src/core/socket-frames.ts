import { deserialize, serialize } from "node:v8";
import type { Socket } from "node:net";

/**
 * Messages over a local socket (a store host's, the warm fix runner's): each a 4-byte length and V8's serialization of it, the
 * same as Node's `advanced` IPC serialization, so rows keep their Dates, parsed JSON and bytes.
 */
export function sendFrame(socket: Socket, message: unknown): void {
  const body = serialize(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([head, body]));
}

/** A frame larger than this ends the connection: no query or reply of Sentinel's comes near it. */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** Calls `onMessage` with each whole frame read from `socket`; a malformed one ends the connection. */
export function readFrames(socket: Socket, onMessage: (message: unknown) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) return void socket.destroy(new Error(`a frame of ${length} bytes`));
      if (pending.length < 4 + length) return;
      const body = pending.subarray(4, 4 + length);
      pending = pending.subarray(4 + length);
      let message: unknown;
      try {
        message = deserialize(body);
      } catch (error) {
        return void socket.destroy(error as Error);
      }
      onMessage(message);
    }
  });
}
