/**
 * Where the part of a delimited file that starts at `start` (a record start) ends: just after
 * the first newline outside quotes at least `minBytes` in, or at the end of the file. Quote
 * parity tells what is inside quotes: an escaped quote is doubled ("") in RFC 4180, which
 * leaves the parity as it was. Files that escape quotes another way (backslash) must not be
 * cut; pass `quote` undefined for a file without quoting.
 */
export function recordEnd(bytes: Uint8Array, start: number, minBytes: number, quote: number | undefined): number {
  const NEWLINE = 10;
  const from = start + Math.max(1, minBytes);
  if (from >= bytes.length) return bytes.length;
  const newline = bytes.indexOf(NEWLINE, from - 1);
  const firstCandidate = newline < 0 ? bytes.length : newline + 1;
  // No quote between the part's start and that newline: it ends a record. Most files have no
  // quotes, and this check runs natively where the loop below goes byte by byte.
  if (quote === undefined || bytes.subarray(start, firstCandidate).indexOf(quote) < 0) return firstCandidate;
  let quoted = false;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === quote) quoted = !quoted;
    else if (byte === NEWLINE && !quoted && i + 1 >= from) return i + 1;
  }
  return bytes.length;
}

/** Where a prefix of a delimited file ends that holds at least `minRecords` whole records and at least `minBytes` (or the whole file), cut as recordEnd cuts. */
export function prefixEnd(bytes: Uint8Array, minBytes: number, minRecords: number, quote: number | undefined): number {
  let end = 0;
  for (let records = 0; records < minRecords && end < bytes.length; records++) end = recordEnd(bytes, end, 1, quote);
  return end >= minBytes || end >= bytes.length ? end : recordEnd(bytes, end, minBytes - end, quote);
}
