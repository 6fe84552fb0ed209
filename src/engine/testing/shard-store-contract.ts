import { contentId } from '../content-id';
import type { ShardStore } from '../ports/shard-store';
import { SeededRandom } from './seeded-random';
import type { ContractHarness } from './contract-harness';

// The promises of the ShardStore port, as checks every adapter must pass: MemoryShardStore under
// vitest, the IndexedDB store inside real Chromium. Nothing here imports a test framework; the
// runner hands in its own describe/it. Errors are matched by `name`, because `instanceof` fails
// when the store and this file come from different bundles.

/** A store under test, fresh for each case. */
export interface ShardStoreSubject {
  readonly store: ShardStore;
  /**
   * Changes the stored bytes of a held, non-empty shard behind the store's back, as a bad disk or
   * a buggy writer would. Every adapter must offer this hook (IndexedDB: rewrite the record), or
   * the verify-on-read promise goes untested.
   */
  corrupt(id: string): Promise<void>;
  /** Releases what the subject holds (an IndexedDB database, say), after the case. */
  dispose?(): Promise<void>;
}

/** What each case asks of the subject factory. */
export interface ShardStoreSubjectOptions {
  readonly budgetBytes: number;
}

/** One check of the contract; `budgetBytes` is the budget its subject must be made with. */
export interface ShardStoreContractCase {
  readonly name: string;
  readonly budgetBytes: number;
  run(subject: ShardStoreSubject): Promise<void>;
}

export type { ContractHarness as ShardStoreContractHarness } from './contract-harness';

const MiB = 1024 * 1024;
const ROOMY_BUDGET = 64 * MiB;

interface TestShard {
  readonly id: string;
  readonly bytes: Uint8Array;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ShardStore contract: ${message}`);
}

async function rejectsWith(promise: Promise<unknown>, errorName: string, what: string): Promise<void> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  check(outcome !== undefined, `${what} should reject with ${errorName}, but it resolved`);
  const name = outcome instanceof Error ? outcome.name : typeof outcome;
  const detail = outcome instanceof Error ? `: ${outcome.message}` : '';
  check(name === errorName, `${what} should reject with ${errorName}, but it rejected with ${name}${detail}`);
}

async function resolves(promise: Promise<unknown>, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    check(false, `${what} should resolve, but it rejected with ${detail}`);
  }
}

function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.byteLength !== expected.byteLength) return false;
  for (let i = 0; i < actual.byteLength; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

async function makeShard(size: number, seed: number): Promise<TestShard> {
  const random = new SeededRandom(seed);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = random.int(256);
  return { id: await contentId(bytes), bytes };
}

async function usedBytes(store: ShardStore): Promise<number> {
  return (await store.capacity()).usedBytes;
}

const cases: ShardStoreContractCase[] = [
  {
    name: 'put then get returns the same bytes, from an empty shard to 1 MiB',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      for (const size of [0, 1, 4097, MiB]) {
        const shard = await makeShard(size, size + 1);
        await store.put(shard.id, shard.bytes);
        const back = await store.get(shard.id);
        check(sameBytes(back, shard.bytes), `get returned different bytes for a ${size}-byte shard`);
      }
    },
  },
  {
    name: 'put refuses bytes that do not hash to the id, and stores nothing',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const claimed = await makeShard(100, 1);
      const sent = await makeShard(100, 2);
      await rejectsWith(store.put(claimed.id, sent.bytes), 'ContentMismatchError', 'put of bytes under another id');
      await rejectsWith(store.put('not-a-content-id', sent.bytes), 'ContentMismatchError', 'put under a malformed id');
      check(!(await store.has(claimed.id)), 'a refused put left the claimed id in the store');
      check(!(await store.has(sent.id)), 'a refused put stored the bytes under their real id');
      check((await store.list()).length === 0, 'a refused put left an entry in list()');
      check((await usedBytes(store)) === 0, 'a refused put counted towards usedBytes');
    },
  },
  {
    name: 'get of a shard never stored rejects with ShardNotFoundError',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shard = await makeShard(10, 3);
      await rejectsWith(store.get(shard.id), 'ShardNotFoundError', 'get of an absent shard');
    },
  },
  {
    name: 'put is idempotent: the same shard twice is stored and counted once',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shard = await makeShard(1000, 4);
      await store.put(shard.id, shard.bytes);
      await store.put(shard.id, shard.bytes);
      const listed = await store.list();
      check(listed.length === 1, `list() has ${listed.length} entries after putting one shard twice`);
      check((await usedBytes(store)) === 1000, 'usedBytes counts a shard put twice more than once');
    },
  },
  {
    name: 'a wrong put under a held id rejects and keeps the good copy',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const good = await makeShard(500, 5);
      const other = await makeShard(500, 6);
      await store.put(good.id, good.bytes);
      await rejectsWith(store.put(good.id, other.bytes), 'ContentMismatchError', 'put of wrong bytes under a held id');
      check(sameBytes(await store.get(good.id), good.bytes), 'the held copy changed after a refused put');
    },
  },
  {
    name: 'delete removes a shard, and deleting an absent shard resolves',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shard = await makeShard(300, 7);
      await store.delete(shard.id);
      await store.put(shard.id, shard.bytes);
      await store.delete(shard.id);
      await store.delete(shard.id);
      check(!(await store.has(shard.id)), 'has() is true after delete');
      await rejectsWith(store.get(shard.id), 'ShardNotFoundError', 'get after delete');
      check((await store.list()).length === 0, 'list() still shows a deleted shard');
    },
  },
  {
    name: 'has tells held shards from absent ones',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const held = await makeShard(64, 8);
      const absent = await makeShard(64, 9);
      check(!(await store.has(held.id)), 'has() is true before put');
      await store.put(held.id, held.bytes);
      check(await store.has(held.id), 'has() is false after put');
      check(!(await store.has(absent.id)), 'has() is true for a shard never stored');
    },
  },
  {
    name: 'list returns every shard with its size in bytes',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shards = await Promise.all([0, 17, 2048].map((size, i) => makeShard(size, 10 + i)));
      for (const shard of shards) await store.put(shard.id, shard.bytes);
      const listed = new Map((await store.list()).map((info) => [info.id, info.bytes]));
      check(listed.size === shards.length, `list() has ${listed.size} entries for ${shards.length} shards`);
      for (const shard of shards) {
        const size = listed.get(shard.id);
        check(size === shard.bytes.byteLength, `list() gives ${size} bytes for a ${shard.bytes.byteLength}-byte shard`);
      }
    },
  },
  {
    name: 'capacity reports the budget and tracks usedBytes across puts and deletes',
    budgetBytes: 50_000,
    async run({ store }) {
      const a = await makeShard(1000, 20);
      const b = await makeShard(2500, 21);
      const start = await store.capacity();
      check(start.budgetBytes === 50_000, `budgetBytes is ${start.budgetBytes}, the store was made with 50000`);
      check(start.usedBytes === 0, `a new store reports usedBytes ${start.usedBytes}`);
      await store.put(a.id, a.bytes);
      await store.put(b.id, b.bytes);
      check((await usedBytes(store)) === 3500, 'usedBytes is not the sum of the stored shards');
      await store.delete(a.id);
      check((await usedBytes(store)) === 2500, 'usedBytes did not drop by the size of a deleted shard');
    },
  },
  {
    name: 'a put beyond the budget rejects with StoreFullError and stores nothing',
    budgetBytes: 10_000,
    async run({ store }) {
      const big = await makeShard(6000, 30);
      const tooMuch = await makeShard(5000, 31);
      const exactFit = await makeShard(4000, 32);
      await store.put(big.id, big.bytes);
      await rejectsWith(store.put(tooMuch.id, tooMuch.bytes), 'StoreFullError', 'put beyond the budget');
      check(!(await store.has(tooMuch.id)), 'a put refused for lack of space left the shard in the store');
      check((await usedBytes(store)) === 6000, 'a put refused for lack of space changed usedBytes');
      await store.put(exactFit.id, exactFit.bytes);
      check((await usedBytes(store)) === 10_000, 'a shard that exactly fills the budget was not counted');
      await resolves(store.put(big.id, big.bytes), 'a repeated put of a held shard into a full store');
      await store.delete(big.id);
      await store.put(tooMuch.id, tooMuch.bytes);
      check(await store.has(tooMuch.id), 'space freed by delete could not be used again');
    },
  },
  {
    name: 'a corrupted stored copy is refused by get and dropped from the store',
    budgetBytes: ROOMY_BUDGET,
    async run({ store, corrupt }) {
      const victim = await makeShard(4096, 40);
      const bystander = await makeShard(1024, 41);
      await store.put(victim.id, victim.bytes);
      await store.put(bystander.id, bystander.bytes);
      await corrupt(victim.id);
      await rejectsWith(store.get(victim.id), 'ContentMismatchError', 'get of a corrupted shard');
      check(!(await store.has(victim.id)), 'the corrupt copy is still in the store after get refused it');
      check(!(await store.list()).some((info) => info.id === victim.id), 'list() still shows the corrupt copy');
      check((await usedBytes(store)) === 1024, 'usedBytes still counts the dropped corrupt copy');
      await rejectsWith(store.get(victim.id), 'ShardNotFoundError', 'a second get of the dropped shard');
      check(sameBytes(await store.get(bystander.id), bystander.bytes), 'dropping a corrupt copy harmed another shard');
      await store.put(victim.id, victim.bytes);
      check(sameBytes(await store.get(victim.id), victim.bytes), 'a fresh copy could not replace the dropped one');
    },
  },
  {
    name: 'bytes are copied in and out: mutating buffers changes nothing stored',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shard = await makeShard(256, 50);
      const original = shard.bytes.slice();
      const given = shard.bytes.slice();
      await store.put(shard.id, given);
      given.fill(0);
      const first = await store.get(shard.id);
      check(sameBytes(first, original), 'mutating the buffer given to put changed the stored shard');
      first.fill(0);
      check(sameBytes(await store.get(shard.id), original), 'mutating bytes returned by get changed the stored shard');
    },
  },
  {
    name: 'concurrent puts of distinct shards all land',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shards = await Promise.all(Array.from({ length: 16 }, (_, i) => makeShard(100 + i * 997, 60 + i)));
      await Promise.all(shards.map((shard) => store.put(shard.id, shard.bytes)));
      const total = shards.reduce((sum, shard) => sum + shard.bytes.byteLength, 0);
      check((await store.list()).length === shards.length, 'some of 16 concurrent puts are missing from list()');
      check((await usedBytes(store)) === total, 'usedBytes after concurrent puts is not the sum of the shards');
      for (const shard of shards) {
        check(sameBytes(await store.get(shard.id), shard.bytes), 'a shard put concurrently came back different');
      }
    },
  },
  {
    name: 'concurrent puts of the same shard store it once',
    budgetBytes: ROOMY_BUDGET,
    async run({ store }) {
      const shard = await makeShard(3000, 80);
      await Promise.all(Array.from({ length: 5 }, () => store.put(shard.id, shard.bytes)));
      check((await store.list()).length === 1, 'concurrent puts of one shard made several entries');
      check((await usedBytes(store)) === 3000, 'concurrent puts of one shard counted it more than once');
    },
  },
  {
    name: 'concurrent puts never overshoot the budget',
    budgetBytes: 2500,
    async run({ store }) {
      const shards = await Promise.all([0, 1, 2].map((i) => makeShard(1000, 90 + i)));
      const outcomes = await Promise.allSettled(shards.map((shard) => store.put(shard.id, shard.bytes)));
      const landed = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      check(landed === 2, `${landed} of three 1000-byte shards landed in a 2500-byte budget; 2 fit`);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          const name = outcome.reason instanceof Error ? outcome.reason.name : typeof outcome.reason;
          check(name === 'StoreFullError', `a put that did not fit rejected with ${name}, not StoreFullError`);
        }
      }
      check((await usedBytes(store)) === 2000, 'usedBytes after racing puts is not the two that fit');
    },
  },
];

/** Every check of the ShardStore contract, to run one by one (each with a fresh subject). */
export const shardStoreContractCases: ReadonlyArray<ShardStoreContractCase> = cases;

/** Registers one test per contract case under `label`, each with a fresh subject from `makeSubject`. */
export function runShardStoreContract(
  label: string,
  makeSubject: (options: ShardStoreSubjectOptions) => Promise<ShardStoreSubject>,
  harness: ContractHarness,
): void {
  harness.describe(`${label} (ShardStore contract)`, () => {
    for (const contractCase of shardStoreContractCases) {
      harness.it(contractCase.name, async () => {
        const subject = await makeSubject({ budgetBytes: contractCase.budgetBytes });
        try {
          await contractCase.run(subject);
        } finally {
          await subject.dispose?.();
        }
      });
    }
  });
}
