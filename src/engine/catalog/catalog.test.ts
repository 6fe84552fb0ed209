import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Catalog, mergeSnapshots, type CatalogSnapshot } from './catalog';
import type { DatasetManifest } from './manifest';
import { laterRecord, type NodeRecord } from './node-record';

const hex = fc.stringMatching(/^[0-9a-f]{64}$/);

const recordArb: fc.Arbitrary<NodeRecord> = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd'),
  host: fc.constantFrom('h1', 'h2'),
  incarnation: fc.nat({ max: 3 }),
  version: fc.nat({ max: 5 }),
  capacityBytes: fc.nat({ max: 1000 }),
  usedBytes: fc.nat({ max: 1000 }),
  full: fc.boolean(),
  capabilities: fc.constantFrom([], ['webgpu']),
  holdings: fc.array(hex, { maxLength: 3 }),
  staged: fc.constant([]),
  pending: fc.constant([]),
  replacing: fc.constant([]),
  released: fc.constant([]),
  leaving: fc.boolean(),
  left: fc.boolean(),
});

const manifestArb: fc.Arbitrary<DatasetManifest> = fc.record({
  id: fc.constantFrom('1'.repeat(64), '2'.repeat(64), '3'.repeat(64)),
  name: fc.constantFrom('x', 'y'),
  columns: fc.constant([{ name: 'a', type: 'Int32' }]),
  rows: fc.nat(),
  bytes: fc.nat(),
  shards: fc.constant([]),
  createdBy: fc.constant('a'),
});

// Manifests are content-addressed: one id always names one body.
function consistent(manifests: DatasetManifest[]): DatasetManifest[] {
  return manifests.map((m) => ({ ...m, name: m.id.slice(0, 1), rows: Number(m.id.slice(0, 1)), bytes: 0 }));
}

const snapshotArb: fc.Arbitrary<CatalogSnapshot> = fc
  .record({ manifests: fc.array(manifestArb, { maxLength: 4 }), records: fc.array(recordArb, { maxLength: 6 }) })
  .map(({ manifests, records }) => ({ manifests: consistent(manifests), records }));

describe('Catalog merge (CRDT)', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, (a, b) => {
        expect(mergeSnapshots(a, b)).toEqual(mergeSnapshots(b, a));
      }),
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, snapshotArb, (a, b, c) => {
        expect(mergeSnapshots(mergeSnapshots(a, b), c)).toEqual(mergeSnapshots(a, mergeSnapshots(b, c)));
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, (a, b) => {
        const once = mergeSnapshots(a, b);
        expect(mergeSnapshots(once, b)).toEqual(once);
        expect(mergeSnapshots(once, once)).toEqual(once);
      }),
    );
  });

  it('keeps the later incarnation, then the later version, of a node record', () => {
    const base = fc.sample(recordArb, { numRuns: 1, seed: 3 })[0] as NodeRecord;
    const older = { ...base, incarnation: 1, version: 50 };
    const newer = { ...base, incarnation: 2, version: 1 };
    expect(laterRecord(older, newer)).toBe(newer);
    expect(laterRecord({ ...base, version: 2 }, { ...base, version: 3 }).version).toBe(3);
  });

  it('reports only what was new', () => {
    const catalog = new Catalog();
    const [record] = fc.sample(recordArb, { numRuns: 1, seed: 5 }) as NodeRecord[];
    if (!record) throw new Error('no sample');
    expect(catalog.merge({ manifests: [], records: [record] }).records).toHaveLength(1);
    expect(catalog.merge({ manifests: [], records: [record] }).records).toHaveLength(0);
    expect(catalog.merge({ manifests: [], records: [{ ...record, version: record.version + 1 }] }).records).toHaveLength(1);
  });
});
