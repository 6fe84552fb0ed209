import { InvalidMessageError } from './errors';

// The frame layout every wire protocol of the engine uses: [tag u8][header length u32 BE]
// [header JSON][payload bytes]. The tag tells protocols (and versions) apart; bulk bytes ride
// as the payload so they are never copied through JSON.

export function encodeTaggedFrame(tag: number, header: unknown, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const frame = new Uint8Array(5 + json.length + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, tag);
  view.setUint32(1, json.length);
  frame.set(json, 5);
  frame.set(payload, 5 + json.length);
  return frame;
}

/** Splits a frame with the expected tag into its parsed JSON header and its payload; throws InvalidMessageError. */
export function decodeTaggedFrame(frame: Uint8Array, tag: number, maxHeaderBytes: number, what: string, tagName = 'tag'): { header: unknown; payload: Uint8Array } {
  if (frame.length < 5) throw new InvalidMessageError(`${what} shorter than its 5-byte prefix`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const found = view.getUint8(0);
  if (found !== tag) throw new InvalidMessageError(`${tagName} ${found}, expected ${tag}`);
  const headerLength = view.getUint32(1);
  if (headerLength > maxHeaderBytes || 5 + headerLength > frame.length) throw new InvalidMessageError(`${what} header length ${headerLength} does not fit the frame`);
  try {
    return { header: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(5, 5 + headerLength))), payload: frame.subarray(5 + headerLength) };
  } catch {
    throw new InvalidMessageError(`${what} header is not UTF-8 JSON`);
  }
}
