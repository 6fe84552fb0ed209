import { createManifest, type DatasetManifest } from '../catalog/manifest';
import type { ManifestStore } from '../ports/manifest-store';
import type { ContractHarness } from './contract-harness';

// The promises of the ManifestStore port, for MemoryManifestStore under vitest and the
// IndexedDB store in real Chromium. No test framework is imported; the runner brings its own.

export interface ManifestStoreSubject {
  readonly store: ManifestStore;
  /** The same storage opened again (a reload); a memory store may return itself. */
  reopen(): Promise<ManifestStore>;
  dispose?(): Promise<void>;
}

export interface ManifestStoreContractCase {
  readonly name: string;
  run(subject: ManifestStoreSubject): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ManifestStore contract: ${message}`);
}

async function sample(name: string): Promise<DatasetManifest> {
  return createManifest({
    name,
    columns: [{ name: 'x', type: 'Int32' }],
    rows: 2,
    bytes: 8,
    shards: [{ id: 'c'.repeat(64), bytes: 8, rows: 2, firstRow: 0, stats: { x: { min: 1, max: 2, nulls: 0 } } }],
    createdBy: 'node',
  });
}

const sortedIds = (manifests: DatasetManifest[]): string => manifests.map((manifest) => manifest.id).sort().join();

export const manifestStoreContractCases: readonly ManifestStoreContractCase[] = [
  {
    name: 'a saved manifest is listed back equal, stats included',
    async run({ store }) {
      const manifest = await sample('a');
      await store.save(manifest);
      const listed = await store.list();
      check(listed.length === 1, `expected 1 manifest, got ${listed.length}`);
      check(JSON.stringify(listed[0]) === JSON.stringify(manifest), 'the listed manifest differs from the saved one');
    },
  },
  {
    name: 'saving the same manifest twice keeps one',
    async run({ store }) {
      const manifest = await sample('b');
      await store.save(manifest);
      await store.save(manifest);
      check((await store.list()).length === 1, 'a manifest saved twice is listed twice');
    },
  },
  {
    name: 'manifests survive a reopen',
    async run(subject) {
      const first = await sample('c');
      const second = await sample('d');
      await subject.store.save(first);
      await subject.store.save(second);
      const reopened = await subject.reopen();
      check(sortedIds(await reopened.list()) === sortedIds([first, second]), 'manifests were lost across a reopen');
    },
  },
];

/** Registers one test per case under `label`, each with a fresh subject. */
export function runManifestStoreContract(label: string, makeSubject: () => Promise<ManifestStoreSubject>, harness: ContractHarness): void {
  harness.describe(`${label} (ManifestStore contract)`, () => {
    for (const contractCase of manifestStoreContractCases) {
      harness.it(contractCase.name, async () => {
        const subject = await makeSubject();
        try {
          await contractCase.run(subject);
        } finally {
          await subject.dispose?.();
        }
      });
    }
  });
}
