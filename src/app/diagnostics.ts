// The diagnostics page: runs the ShardStore contract against this browser's IndexedDB and the
// Mesh contract against three libp2p meshes in this page, through the real signaling server.
// The e2e suite opens it to prove the real adapters keep the same promises as the fakes.
import type { ContractHarness } from '../engine/testing/contract-harness';
import { runMeshContract } from '../engine/testing/mesh-contract';
import { runManifestStoreContract } from '../engine/testing/manifest-store-contract';
import { runShardStoreContract } from '../engine/testing/shard-store-contract';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { contentId } from '../engine/content-id';
import { Libp2pMesh } from '../mesh/libp2p-mesh';
import { IndexedDbManifestStore } from '../workers/indexeddb-manifest-store';
import { IndexedDbShardStore } from '../workers/indexeddb-shard-store';
import { openNodeDatabase } from '../workers/node-database';

interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error: string;
  readonly ms: number;
}

const tests: { name: string; run: () => Promise<void> }[] = [];
let prefix = '';
const harness: ContractHarness = {
  describe(name, fn) {
    const outer = prefix;
    prefix = `${outer}${name} › `;
    fn();
    prefix = outer;
  },
  it(name, fn) {
    tests.push({ name: `${prefix}${name}`, run: fn });
  },
};

const only = new URLSearchParams(location.search).get('only') ?? '';
let databases = 0;
if (only === '' || only === 'store') {
  runShardStoreContract(
    'IndexedDbShardStore',
    async ({ budgetBytes }) => {
      const name = `tabswarm-diagnostics-${Date.now()}-${databases++}`;
      const store = await IndexedDbShardStore.open(name, budgetBytes);
      return {
        store,
        corrupt: (id) => store.corruptForTest(id),
        dispose: async () => {
          store.close();
          indexedDB.deleteDatabase(name);
        },
      };
    },
    harness,
  );
  // Not in the contract (no other store has a past format): shards stored as plain bytes,
  // before the store kept Blobs, still read, and a corrupt one is still caught.
  harness.it('IndexedDbShardStore › reads shards that earlier versions stored as bytes', async () => {
    const name = `tabswarm-diagnostics-${Date.now()}-${databases++}`;
    const database = await openNodeDatabase(name);
    try {
      const bytes = crypto.getRandomValues(new Uint8Array(60_000));
      const id = await contentId(bytes);
      const corrupt = bytes.slice();
      corrupt[7] = (corrupt[7] ?? 0) ^ 1;
      const otherId = await contentId(crypto.getRandomValues(new Uint8Array(100)));
      await database.put('shards', bytes, id);
      await database.put('shardInfo', { id, bytes: bytes.length }, id);
      await database.put('shards', corrupt, otherId);
      await database.put('shardInfo', { id: otherId, bytes: corrupt.length }, otherId);
      const store = new IndexedDbShardStore(database, 1e9);
      const read = await store.get(id);
      if (read.length !== bytes.length || read.some((byte, i) => byte !== bytes[i])) throw new Error('a shard stored as bytes read back different bytes');
      const rejected = await store.get(otherId).then(
        () => 'read',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      if (rejected !== 'ContentMismatchError') throw new Error(`a corrupt shard stored as bytes gave ${rejected}, not ContentMismatchError`);
      if (await store.has(otherId)) throw new Error('a corrupt shard stored as bytes was not dropped');
    } finally {
      database.close();
      indexedDB.deleteDatabase(name);
    }
  });
  runManifestStoreContract(
    'IndexedDbManifestStore',
    async () => {
      const name = `tabswarm-diagnostics-${Date.now()}-${databases++}`;
      const opened = [await openNodeDatabase(name)];
      return {
        store: new IndexedDbManifestStore(opened[0]!),
        reopen: async () => {
          const again = await openNodeDatabase(name);
          opened.push(again);
          return new IndexedDbManifestStore(again);
        },
        dispose: async () => {
          for (const db of opened) db.close();
          indexedDB.deleteDatabase(name);
        },
      };
    },
    harness,
  );
}
if (only === '' || only === 'mesh') {
  runMeshContract(
    'Libp2pMesh',
    async () => {
      const swarm = `diagnostics-${crypto.randomUUID().slice(0, 8)}`;
      const meshes = await Promise.all(
        [0, 1, 2].map(async () => new Libp2pMesh({ privateKey: await generateKeyPair('Ed25519'), swarm, origin: location.origin })),
      );
      return {
        meshes,
        settle: () => new Promise((resolve) => setTimeout(resolve, 250)),
        dispose: async () => {
          await Promise.all(meshes.map((mesh) => mesh.stop().catch(() => undefined)));
        },
      };
    },
    harness,
  );
}

const results: CaseResult[] = [];
const list = document.getElementById('results');
const status = document.getElementById('status');
for (const test of tests) {
  const started = performance.now();
  let error = '';
  try {
    await test.run();
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  const result = { name: test.name, ok: error === '', error, ms: Math.round(performance.now() - started) };
  results.push(result);
  const item = document.createElement('li');
  item.dataset.ok = String(result.ok);
  item.textContent = `${result.ok ? 'pass' : 'FAIL'} ${result.name} (${result.ms} ms)${result.error ? `: ${result.error}` : ''}`;
  list?.append(item);
}
const failed = results.filter((result) => !result.ok).length;
if (status) status.textContent = `${results.length - failed} passed, ${failed} failed`;
(globalThis as { tabswarmDiagnostics?: CaseResult[] }).tabswarmDiagnostics = results;
