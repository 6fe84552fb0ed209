import { describe, it } from 'vitest';
import { runManifestStoreContract } from './manifest-store-contract';
import { MemoryManifestStore } from './memory-manifest-store';

runManifestStoreContract(
  'MemoryManifestStore',
  async () => {
    const store = new MemoryManifestStore();
    return { store, reopen: async () => store };
  },
  { describe, it },
);
