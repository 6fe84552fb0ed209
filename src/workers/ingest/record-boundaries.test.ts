import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../engine/testing/seeded-random';
import { prefixEnd, recordEnd } from './record-boundaries';

/** Every cut recordEnd makes through a file, parts of at least `partBytes`. */
function recordBoundaries(bytes: Uint8Array, partBytes: number, quote: number | undefined): number[] {
  const cuts: number[] = [];
  for (let start = 0; ; ) {
    const end = recordEnd(bytes, start, partBytes, quote);
    if (end >= bytes.length) return cuts;
    cuts.push(end);
    start = end;
  }
}

const QUOTE = 34;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Records of a CSV, parsed the slow, obvious way: newlines inside quotes belong to the field. */
function records(text: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '\n' && !quoted) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

describe('recordEnd', () => {
  it('cuts only after newlines outside quotes, about every partBytes', () => {
    const text = 'a,b\n1,"x\ny"\n2,"say ""hi""\n"\n3,z\n4,w\n';
    const cuts = recordBoundaries(encode(text), 5, QUOTE);
    const parts = [0, ...cuts, text.length].slice(1).map((end, i) => text.slice([0, ...cuts][i], end));
    expect(parts.join('')).toBe(text);
    for (const part of parts) expect(records(part).join('')).toBe(part);
    expect(records(text)).toEqual(parts.flatMap(records));
  });

  // Seeded; reproduce with: npx vitest run src/workers/ingest/record-boundaries.test.ts
  it.each([1, 2, 3, 4, 5, 6])('never splits a record of random quoted CSV (seed %i)', (seed) => {
    const random = new SeededRandom(seed);
    const fields = ['plain', '"with, comma"', '"two\nlines"', '"quote "" inside"', '', '"\n"'];
    const lines = Array.from({ length: 300 }, () => Array.from({ length: 3 }, () => random.pick(fields)).join(',') + '\n');
    const text = lines.join('');
    const cuts = recordBoundaries(encode(text), 1 + random.int(200), QUOTE);
    const starts = [0, ...cuts];
    const recordStarts = new Set<number>();
    let offset = 0;
    for (const record of records(text)) {
      recordStarts.add(offset);
      offset += encode(record).length;
    }
    for (const cut of cuts) expect(recordStarts.has(cut), `cut at ${cut} (seed ${seed})`).toBe(true);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('counts quotes from the part start, however far before the cut they are', () => {
    const text = '"a long quoted field\nwith a newline in it"\n1\n2\n';
    const bytes = encode(text);
    const inner = text.indexOf('\n');
    // The first newline past minBytes is inside the quotes: the record ends after the closing quote.
    expect(recordEnd(bytes, 0, inner + 1, QUOTE)).toBe(text.indexOf('"\n') + 2);
    // A part with no quotes at all is cut at its first newline past minBytes.
    const later = text.indexOf('1\n');
    expect(recordEnd(bytes, later, 1, QUOTE)).toBe(later + 2);
  });

  it('splits unquoted files at any newline and never makes an empty last part', () => {
    const text = '1\n2\n3\n4\n';
    expect(recordBoundaries(encode(text), 2, undefined)).toEqual([2, 4, 6]);
    expect(recordBoundaries(encode(text), 100, QUOTE)).toEqual([]);
  });
});

describe('prefixEnd', () => {
  it('ends after enough whole records and enough bytes, at a record boundary, or at the end', () => {
    const text = 'h\n1,"a\nb"\n2,c\n3,"d\ne\nf"\n4,g\n';
    const bytes = encode(text);
    const ends = records(text).reduce<number[]>((out, record) => [...out, (out.at(-1) ?? 0) + record.length], []);
    // Quoted newlines do not end a record.
    expect(prefixEnd(bytes, 1, 3, QUOTE)).toBe(ends[2]);
    expect(prefixEnd(bytes, ends[3] ?? 0, 1, QUOTE)).toBe(ends[3]);
    expect(prefixEnd(bytes, (ends[3] ?? 0) + 1, 2, QUOTE)).toBe(ends[4]);
    expect(prefixEnd(bytes, 1, 99, QUOTE)).toBe(bytes.length);
    expect(prefixEnd(encode('a\nb\nc'), 1, 2, undefined)).toBe(4);
  });
});
