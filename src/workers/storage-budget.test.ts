import { describe, expect, it } from 'vitest';
import { resolveStorageBudget } from './storage-budget';

function fakeStorage(quota: number | undefined, usage: number, grantsPersist: boolean): StorageManager {
  let persisted = false;
  return {
    estimate: async () => ({ quota, usage }),
    persisted: async () => persisted,
    persist: async () => (persisted = grantsPersist),
    getDirectory: async () => {
      throw new Error('not used');
    },
  } as StorageManager;
}

describe('resolveStorageBudget', () => {
  it('keeps the user budget when the quota has room, and asks for persistence', async () => {
    expect(await resolveStorageBudget(100, fakeStorage(10_000, 0, true))).toEqual({ budgetBytes: 100, quotaBytes: 10_000, persisted: true });
  });

  it('never advertises more than the quota leaves after headroom and existing use', async () => {
    const budget = await resolveStorageBudget(1_000_000, fakeStorage(10_000, 2_000, false));
    expect(budget.budgetBytes).toBe(9_000 - 2_000);
    expect(budget.persisted).toBe(false);
  });

  it('falls back to the user budget where the browser says nothing', async () => {
    expect((await resolveStorageBudget(500, undefined)).budgetBytes).toBe(500);
  });
});
