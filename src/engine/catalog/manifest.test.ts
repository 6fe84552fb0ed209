import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { createManifest, manifestIsAuthentic, type DatasetManifestBody } from './manifest';

const body: DatasetManifestBody = {
  name: 'trips',
  columns: [{ name: 'fare', type: 'Float64' }],
  rows: 10,
  bytes: 100,
  shards: [{ id: 'a'.repeat(64), bytes: 100, rows: 10, firstRow: 0, stats: { fare: { min: 1, max: 9, nulls: 0 } } }],
  createdBy: 'node-1',
};

describe('dataset manifests', () => {
  it('are content-addressed: the same body always gives the same id, whatever the key order', async () => {
    const reordered = JSON.parse(JSON.stringify({ createdBy: body.createdBy, shards: body.shards, rows: 10, bytes: 100, columns: body.columns, name: 'trips' }));
    expect((await createManifest(body)).id).toBe((await createManifest(reordered)).id);
    expect((await createManifest({ ...body, rows: 11 })).id).not.toBe((await createManifest(body)).id);
  });

  it('detect a forged or altered manifest', async () => {
    const manifest = await createManifest(body);
    expect(await manifestIsAuthentic(manifest)).toBe(true);
    expect(await manifestIsAuthentic({ ...manifest, rows: 1_000_000 })).toBe(false);
  });

  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });
});
