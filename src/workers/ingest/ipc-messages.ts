import { Message, MessageHeader } from 'apache-arrow';

// Arrow IPC as byte ranges. A stream is encapsulated messages (a schema, then record batches)
// and an end marker; a file is the same messages between a magic and a footer. Each message is
// [0xFFFFFFFF][metadata length][flatbuffer metadata][body], a multiple of 8 bytes long, so whole
// messages can be laid end to end into a new stream without decoding their data.

/** A buffer's schema message and record batch messages, in order, as views into it. */
export interface IpcMessages {
  readonly schema: Uint8Array;
  readonly batches: readonly Uint8Array[];
}

const FILE_MAGIC = 'ARROW1';
const CONTINUATION = -1;
/** The stream's end: a continuation marker and a zero metadata length. */
export const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/**
 * The messages of IPC bytes in the file or stream format, or undefined for anything but one
 * schema followed by record batches (dictionary batches, a message cut short, a length that
 * would misalign the next one, bytes that are not IPC at all).
 */
export function ipcMessages(ipc: Uint8Array): IpcMessages | undefined {
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  let at = new TextDecoder().decode(ipc.subarray(0, FILE_MAGIC.length)) === FILE_MAGIC ? 8 : 0;
  let schema: Uint8Array | undefined;
  const batches: Uint8Array[] = [];
  try {
    while (at + 8 <= ipc.length) {
      let metadataLength = view.getInt32(at, true);
      let metadataStart = at + 4;
      if (metadataLength === CONTINUATION) {
        metadataLength = view.getInt32(at + 4, true);
        metadataStart = at + 8;
      }
      if (metadataLength === 0) break;
      if (metadataLength < 0 || metadataStart + metadataLength > ipc.length) return undefined;
      const message = Message.decode(ipc.subarray(metadataStart, metadataStart + metadataLength));
      const end = metadataStart + metadataLength + Number(message.bodyLength);
      if (end > ipc.length || (end - at) % 8 !== 0) return undefined;
      if (message.headerType === MessageHeader.Schema && !schema) schema = ipc.subarray(at, end);
      else if (message.headerType === MessageHeader.RecordBatch && schema) batches.push(ipc.subarray(at, end));
      else return undefined;
      at = end;
    }
  } catch {
    return undefined;
  }
  return schema ? { schema, batches } : undefined;
}

/** An IPC stream of a schema message, record batch messages of that schema, and the end marker. */
export function ipcStream(schema: Uint8Array, batches: readonly Uint8Array[]): Uint8Array {
  const stream = new Uint8Array(schema.length + batches.reduce((total, batch) => total + batch.length, 0) + END_OF_STREAM.length);
  stream.set(schema, 0);
  let offset = schema.length;
  for (const batch of batches) {
    stream.set(batch, offset);
    offset += batch.length;
  }
  stream.set(END_OF_STREAM, offset);
  return stream;
}
